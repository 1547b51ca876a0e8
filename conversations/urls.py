"""Private conversations, under /conversations/. A conversation's URL carries its id; it
answers only to its participants (404 for anyone else)."""

from django.urls import path

from . import views

app_name = "conversations"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("new/", views.conversation_start, name="new"),
    path("blocked/", views.blocked_list, name="blocked"),
    path("block/<slug:handle>/", views.block, name="block"),
    path("flags/", views.flag_queue, name="flags"),
    path("flags/<int:pk>/", views.flag_resolve, name="flag_resolve"),
    path("messages/<int:pk>/flag/", views.message_flag, name="message_flag"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/reply/", views.conversation_reply, name="reply"),
    path("<int:pk>/leave/", views.conversation_leave, name="leave"),
]
