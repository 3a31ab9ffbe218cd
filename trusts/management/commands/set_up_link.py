from django.core.management.base import BaseCommand, CommandError

from trusts.activity import from_command_line
from trusts.invitations import InvitationError, fresh_set_up_link
from trusts.models import User


class Command(BaseCommand):
    help = (
        "Print a single-use link with which a member of staff (or a superuser made with createsuperuser) "
        "chooses a new password and sets up their authenticator app. Their current password and apps stop "
        "working at once. Staff never set up an app by signing in with a password alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the person's username")

    @from_command_line()
    def handle(self, *, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No one has the username {username!r}.")
        try:
            url = fresh_set_up_link(user)
        except InvitationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(url)
