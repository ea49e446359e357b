"""The retry policy of presswatch's Prefect tasks: retry only what waiting can fix."""

from __future__ import annotations

from presswatch.warehouse.errors import WarehouseLocked


def retry_on(*transient: type[Exception]):
    """A Prefect retry condition: retry only what waiting can fix, fail fast on the rest."""

    def condition(task, task_run, state) -> bool:
        try:
            state.result()
        except transient:
            return True
        except Exception:  # noqa: BLE001 - any other failure is permanent for this run
            return False
        return False

    return condition


# The warehouse held by another process (an analyst's session) is worth waiting for.
LOCK_RETRIES = dict(retries=3, retry_delay_seconds=[10, 30, 90],
                    retry_condition_fn=retry_on(WarehouseLocked))
