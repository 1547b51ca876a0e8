"""Forum URLs, included at the site's root: /forums/…, /topics/…, /posts/…, /notifications/.

Topic URLs look up by id; the slug after it is decoration (`/topics/42/`,
`/topics/42/mon-sujet/` and `/topics/42-mon-sujet/` are the same page).
"""

from django.urls import path

from .feeds import ForumFeed
from .views import invitations, listing, moderation, notifications, topic_page, writing

app_name = "forums"

urlpatterns = [
    path("forums/", listing.forum_index, name="index"),
    path("forums/calls/", listing.call_list, name="calls"),
    # Animators' pages of a community come before the forum pattern they would match.
    path("forums/<slug:community_slug>/flags/", moderation.flag_queue, name="flags"),
    path(
        "forums/<slug:community_slug>/flags/<int:pk>/", moderation.flag_resolve, name="flag_resolve"
    ),
    path("forums/<slug:community_slug>/log/", moderation.moderation_log, name="log"),
    path("forums/<slug:community_slug>/<slug:slug>/", listing.forum_detail, name="forum"),
    path("forums/<slug:community_slug>/<slug:slug>/new/", writing.topic_create, name="topic_new"),
    path("forums/<slug:community_slug>/<slug:slug>/feed/", ForumFeed(), name="forum_feed"),
    path(
        "forums/<slug:community_slug>/<slug:slug>/watch/",
        notifications.forum_watch,
        name="forum_watch",
    ),
    path("topics/<int:pk>/", topic_page.topic_detail, name="topic"),
    path("topics/<int:pk>/reply/", writing.topic_reply, name="reply"),
    path("topics/<int:pk>/watch/", notifications.topic_watch, name="topic_watch"),
    path("topics/<int:pk>/solve/", writing.topic_solve, name="solve"),
    path("topics/<int:pk>/invite/", invitations.call_invite, name="invite"),
    path("topics/<int:pk>/moderate/", moderation.topic_moderate, name="moderate"),
    path("topics/<int:pk>/move/", moderation.topic_move, name="move"),
    path("topics/<int:pk>/<slug:slug>/", topic_page.topic_detail, name="topic_slug"),
    path("topics/<int:pk>-<slug:slug>/", topic_page.topic_detail, name="topic_dash_slug"),
    path("posts/<int:pk>/", topic_page.post_permalink, name="post"),
    path("posts/<int:pk>/edit/", writing.post_edit, name="post_edit"),
    path("posts/<int:pk>/history/", topic_page.post_history, name="post_history"),
    path("posts/<int:pk>/flag/", moderation.post_flag, name="post_flag"),
    path("posts/<int:pk>/hide/", moderation.post_hide, name="post_hide"),
    path("posts/<int:pk>/unhide/", moderation.post_unhide, name="post_unhide"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
]
