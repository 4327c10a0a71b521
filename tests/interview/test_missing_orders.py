"""An order, parcel or refund that never came is heard in English and Spanish, with or without its
number, and not when the customer says nothing is missing."""

from __future__ import annotations

import pytest

from askwhy.interview.missing_orders import reports_missing_order


@pytest.mark.parametrize(
    "text",
    [
        "my order 12345 is missing", "My order #A-778 never arrived", "my order no. 443 is still missing",
        "I never got my refund", "the parcel was lost", "they lost my package",
        "still waiting for my refund after 3 weeks", "Order 5531 has not arrived yet",
        "the delivery never came", "there was a missing item in the box", "mi pedido no ha llegado",
        "no he recibido el reembolso", "el paquete se perdió", "sigo esperando mi pedido",
    ],
)  # fmt: skip
def test_a_missing_order_or_refund_is_heard(text: str) -> None:
    assert reports_missing_order(text)


@pytest.mark.parametrize(
    "text",
    [
        "the order arrived on time", "delivery was late but fine", "I love the package design",
        "my refund arrived quickly", "no missing items, all good", "nothing missing from my order",
        "el pedido llegó a tiempo",
    ],
)  # fmt: skip
def test_an_order_that_arrived_or_nothing_missing_is_not_a_report(text: str) -> None:
    assert not reports_missing_order(text)
