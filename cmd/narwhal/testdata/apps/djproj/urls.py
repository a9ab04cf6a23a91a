from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def page(request):
    return HttpResponse("<h1>django page</h1>")


@csrf_exempt
def form(request):
    return JsonResponse({"method": request.method, "name": request.POST.get("name"), "files": len(request.FILES)})


urlpatterns = [path("", page), path("form", form)]
