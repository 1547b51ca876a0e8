"""Forum URLs, included at the site's root: /forums/…, /topics/…, /posts/…, /notifications/.

Topic URLs look up by id; the slug after it is decoration (`/topics/42/`,
`/topics/42/mon-sujet/` and `/topics/42-mon-sujet/` are the same page).
"""

from django.urls import path

from . import views

app_name = "forums"

urlpatterns = [
    path("forums/", views.forum_index, name="index"),
    path("forums/calls/", views.call_list, name="calls"),
    # Animators' pages of a community come before the forum pattern they would match.
    path("forums/<slug:community_slug>/flags/", views.flag_queue, name="flags"),
    path("forums/<slug:community_slug>/flags/<int:pk>/", views.flag_resolve, name="flag_resolve"),
    path("forums/<slug:community_slug>/log/", views.moderation_log, name="log"),
    path("forums/<slug:community_slug>/<slug:slug>/", views.forum_detail, name="forum"),
    path("forums/<slug:community_slug>/<slug:slug>/new/", views.topic_create, name="topic_new"),
    path("forums/<slug:community_slug>/<slug:slug>/watch/", views.forum_watch, name="forum_watch"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/reply/", views.topic_reply, name="reply"),
    path("topics/<int:pk>/watch/", views.topic_watch, name="topic_watch"),
    path("topics/<int:pk>/solve/", views.topic_solve, name="solve"),
    path("topics/<int:pk>/moderate/", views.topic_moderate, name="moderate"),
    path("topics/<int:pk>/move/", views.topic_move, name="move"),
    path("topics/<int:pk>/<slug:slug>/", views.topic_detail, name="topic_slug"),
    path("topics/<int:pk>-<slug:slug>/", views.topic_detail, name="topic_dash_slug"),
    path("posts/<int:pk>/", views.post_permalink, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/history/", views.post_history, name="post_history"),
    path("posts/<int:pk>/flag/", views.post_flag, name="post_flag"),
    path("posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("posts/<int:pk>/unhide/", views.post_unhide, name="post_unhide"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
