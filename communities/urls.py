from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("", views.community_list, name="list"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/members/", views.community_members, name="members"),
    path("<slug:slug>/join/", views.community_join, name="join"),
    path("<slug:slug>/leave/", views.community_leave, name="leave"),
    path("<slug:slug>/invitation/", views.invitation_respond, name="invitation"),
    path("<slug:slug>/requests/", views.membership_requests, name="requests"),
    path("<slug:slug>/invite/", views.member_invite, name="invite"),
    path(
        "<slug:slug>/invitations/<int:membership_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("<slug:slug>/members/<int:membership_id>/roles/", views.member_roles, name="roles"),
]
