from dataclasses import dataclass

from conversations.models import Conversation, Message
from tests.conversations.factories import reply, start
from tests.shared_worlds import shared_world
from tests.worlds import CommunityWorld


@dataclass(frozen=True, kw_only=True)
class ConversationWorld(CommunityWorld):
    """community_world plus a conversation started by the open community's member
    ("alice") with the closed community's member ("bruno"), who replied: the directory
    is institution-wide, so people of different communities write to each other."""

    conversation: Conversation
    first: Message
    answer: Message

    @property
    def alice(self):
        return self.open_member

    @property
    def bruno(self):
        return self.closed_member


@shared_world
def conversation_world(community_world) -> ConversationWorld:
    w = community_world
    conversation = start(w.open_member, w.closed_member, subject="Évaluer en ligne")
    answer = reply(conversation, w.closed_member, "Réponse de Bruno")
    conversation.refresh_from_db()
    return ConversationWorld.extending(
        w,
        conversation=conversation,
        first=conversation.messages.order_by("pk").first(),
        answer=answer,
    )
