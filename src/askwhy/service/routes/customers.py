"""Customers: erasure on request (right to be forgotten)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from askwhy.privacy import erasure
from askwhy.service.auth import CustomerEraser
from askwhy.service.dependencies import ContainerDep
from askwhy.service.event_schemas import ErasureOut
from askwhy.service.key_programs import KeyReach

router = APIRouter(tags=["customers"])


@router.delete("/v1/customers/{customer_id}")
def erase(customer_id: str, key: CustomerEraser, container: ContainerDep) -> ErasureOut:
    """Erase a customer's personal data and messages; anonymous aggregates stay."""
    KeyReach.of(key).require_every_program("erasing a customer in every program")
    done = erasure.erase_everywhere(
        sessions=container.sessions,
        engine=container.engine,
        inbox=container.inbox,
        data_dir=container.settings.data_dir,
        external_id=customer_id,
        parsers=container.parsers,
    )
    if done is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "customer not found")
    return ErasureOut(
        erased=True,
        conversations=done.conversations,
        messages=done.messages,
        responses_anonymised=done.responses_anonymised,
        files_wiped=done.files_wiped,
        exports_deleted=done.exports_deleted,
    )
