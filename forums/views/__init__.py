"""Forum pages, one module per part of the forums (`forums/urls.py` routes to each):

- `listing`: my forums, the calls for help, a forum's topics;
- `topic_page`: a topic and its posts, a post's link and history;
- `writing`: opening a topic, replying, editing a post, marking a topic solved;
- `moderation`: flagging a post, and the animation's hiding, locking, pinning and moving,
  flag queue and moderation log;
- `notifications`: watching a forum or a topic, and the notification centre.

Thin views: what a person may read comes from the querysets (`Community.visible_to` for
knowing a community exists, `can_see_content` for reading it), who may do what from
`forums.permissions`, and every write goes through `forums.services`. A service's refusal
(`PermissionDenied`, `ValidationError`) becomes a message or a form error, never a server
error; a form always comes back with what the person typed.
"""
