from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("zendesk/jwt", views.zendesk_jwt, name="zendesk_jwt"),
]
