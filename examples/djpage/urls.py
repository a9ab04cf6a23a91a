from django.shortcuts import render
from django.urls import path

ITEMS = [{"n": i, "name": "item %d" % i, "price": 1.5 * i} for i in range(10)]


def page(request):
    return render(request, "page.html", {"title": "narwhal django page", "items": ITEMS})


urlpatterns = [path("", page)]
