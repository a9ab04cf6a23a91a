import hashlib

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def hello(request):
    return HttpResponse("hello django", content_type="text/plain")


@csrf_exempt
def form(request):
    return HttpResponse("name=%s" % request.POST["name"], content_type="text/plain")


@csrf_exempt
def upload(request):
    f = request.FILES["file"]
    data = f.read()
    return HttpResponse("size=%d sha=%s field=%s" % (
        len(data), hashlib.sha256(data).hexdigest()[:16], request.POST["field"]),
        content_type="text/plain")


def meta(request, rest):
    return JsonResponse({"path": request.path, "path_info": request.path_info,
                         "query": request.GET.get("q"), "host": request.get_host(),
                         "scheme": request.scheme})


def stream(request):
    return StreamingHttpResponse((b"part%d;" % i for i in range(5)),
                                 content_type="text/plain")


def file(request):
    return FileResponse(open(__file__, "rb"), content_type="text/plain")


def fail(request):
    raise RuntimeError("django-view-failed")


urlpatterns = [
    path("hello", hello),
    path("form", form),
    path("upload", upload),
    path("meta/<path:rest>", meta),
    path("stream", stream),
    path("file", file),
    path("fail", fail),
]
