"""App Home: the member's teams at a glance, with buttons to start an assessment or switch
anonymity mode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot import flows, messages
from bot.digests import next_run_line
from bot.listeners.wiring import Payload, with_services
from bot.scheduler import user_timezone
from bot.slack_io import open_modal, our_fields, slack_error
from conversations.assessments import AssessmentAlreadyOpen
from conversations.frameworks import get_frameworks
from conversations.schedules import ScheduleError, describe_schedule, get_schedule, parse_schedule_args, set_schedule
from storage import clock

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("maturity.home")


def publish_home(client: WebClient, services: Services, workspace_id: str, user_id: str) -> None:
    from bot.listeners.views import business_home_text
    from conversations.business_case import BusinessService
    from conversations.plans import PlanService

    teams = services.assessments.teams_of_user(workspace_id, user_id)
    business = BusinessService(services.db, services.assessments)
    now = clock.now()
    own = PlanService(services.db).open_items_of(workspace_id, user_id)
    extras = {
        t.channel_id: "\n".join(
            line
            for line in (
                messages.home_priorities(services.assessments.latest_result(workspace_id, t.channel_id)),
                messages.home_own_items(own.get(t.channel_id, ()), now.date()),
                next_run_line(get_schedule(services.db, workspace_id, t.channel_id), now),
                business_home_text(business, workspace_id, t.channel_id),
            )
            if line
        )
        for t in teams.shown
    }
    listed = {t.channel_id for t in teams.shown} | set(teams.more)
    elsewhere = {channel: items for channel, items in own.items() if channel not in listed}
    org_blocks = all_teams_section(client, services, workspace_id, user_id)
    view = messages.home_view(teams.shown, get_frameworks(), extras, teams.more, elsewhere, org_blocks=org_blocks)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish failed", extra={"error": slack_error(exc)})


def all_teams_section(client: WebClient, services: Services, workspace_id: str, user_id: str) -> list[Block]:
    """The "All teams" section, for a workspace admin or owner or a member they named; [] for others."""
    from bot.org import home_section, may_see_org
    from conversations.org import OrgService

    orgs = OrgService(services.db, services.settings.org_min_respondents)
    if not may_see_org(client, orgs, workspace_id, user_id):
        return []
    return home_section(orgs.view(workspace_id))


def _tell(client: WebClient, user_id: str, text: str) -> None:
    """A note in the app's Messages tab (the member clicked in Home, not in a channel)."""
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not message the member", extra={"error": slack_error(exc)})


def register(app: App, services: Services) -> None:
    app.event("app_home_opened")(with_services(on_home_opened, services))
    app.action("home:assess")(with_services(on_start, services))
    app.action("home:schedule")(with_services(on_schedule, services))
    app.view(messages.SCHEDULE_CALLBACK)(with_services(on_schedule_submitted, services))
    app.action("home:anonymous")(with_services(on_anonymous, services))


def on_home_opened(event: Payload, client: WebClient, context: BoltContext, *, services: Services) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(client, services, context.team_id, event["user"])


def on_start(
    ack: Ack, body: Payload, action: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """*Start an assessment* on a team's card: opened in its channel (or the member told why not)."""
    ack()
    user_id, channel_id = body["user"]["id"], str(action.get("value") or "")
    try:
        flows.open_assessment(
            client,
            services.assessments,
            workspace_id=context.team_id,
            channel_id=channel_id,
            channel_name=None,
            user_id=user_id,
            framework_id=None,
        )
    except AssessmentAlreadyOpen as exc:
        _tell(client, user_id, messages.reply_home("already_open", channel_id, exc.assessment_id))
    except flows.ChannelUnreachable as exc:
        _tell(client, user_id, messages.reply_home("unreachable", channel_id, exc.error))
    publish_home(client, services, context.team_id, user_id)


def on_schedule(
    ack: Ack, body: Payload, action: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """*Schedule* on a team's card: the schedule modal, with the current schedule."""
    ack()
    channel_id = str(action.get("value") or "")
    current = describe_schedule(services.db, context.team_id, channel_id)
    open_modal(client, body["trigger_id"], messages.schedule_modal(channel_id, current))


def on_schedule_submitted(
    ack: Ack, body: Payload, view: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """The schedule modal submitted: set (an error on the field that is wrong), and Home redrawn."""
    values = view.get("state", {}).get("values", {})
    cadence = ((values.get("cadence", {}).get("value") or {}).get("selected_option") or {}).get("value") or ""
    cron = ((values.get("cron", {}).get("value") or {}).get("value") or "").strip()
    tz = ((values.get("tz", {}).get("value") or {}).get("value") or "").strip()
    arg = (cron or cadence) + (f" tz={tz}" if tz else "")
    user_id, channel_id = body["user"]["id"], view.get("private_metadata") or ""
    try:
        parse_schedule_args(arg)
        set_schedule(services.db, context.team_id, channel_id, None, user_id, arg, user_timezone(client, user_id))
    except ScheduleError as exc:
        field = "tz" if tz and "timezone" in str(exc).lower() else ("cron" if cron else "cadence")
        ack(response_action="errors", errors={field: str(exc)[:150]})
        return
    ack()
    publish_home(client, services, context.team_id, user_id)


def on_anonymous(
    ack: Ack, body: Payload, action: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """The anonymity switch on a team's card."""
    ack()
    channel_id, on = our_fields(action.get("value"), "c", "on") or (None, None)
    if not isinstance(channel_id, str) or len(channel_id) > 32 or not isinstance(on, bool):
        log.warning("ignored an unreadable anonymity button")
        return
    services.assessments.set_anonymous(context.team_id, channel_id, None, on)
    publish_home(client, services, context.team_id, body["user"]["id"])
