"""Celery tasks: thin wrappers that take ids and call the domain code in services."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def check_site(self, site_check_id: int, duty_codes: list[str] | None = None) -> None:
    services.run_site_check(site_check_id, duty_codes, worker=self.request.hostname or "")


@shared_task
def recover_stale_checks() -> int:
    return services.recover_stale_checks()


@shared_task
def start_periodic_audit() -> str:
    cycle = services.start_periodic_audit()
    return cycle.name if cycle else ""
