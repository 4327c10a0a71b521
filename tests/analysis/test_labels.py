"""Theme labels come from the words that set a cluster apart, never from brand names or handles."""

from __future__ import annotations

from askwhy.analysis.labels import clean_text, label_clusters

DELIVERY = [
    "@AcmeShop my parcel delivery is late again",
    "Acme delivery late, parcel still not here https://t.co/xyz",
    "the parcel arrived with the delivery late by a week #fail",
    "Acme: delivery late and the courier lost my parcel",
    "delivery late, parcel damaged",
]
SUPPORT = [
    "@AcmeShop your support agent was rude",
    "Acme support agent hung up on me",
    "rude support agent, never again acme",
    "the support agent was rude and unhelpful",
]
PRICE = [
    "Acme prices went up, too expensive now",
    "too expensive compared to other shops, acme",
    "the price is too expensive for what you get",
]


def test_label_names_the_distinctive_words_of_each_cluster() -> None:
    texts = DELIVERY + SUPPORT + PRICE
    ids = [0] * len(DELIVERY) + [1] * len(SUPPORT) + [2] * len(PRICE)

    labels = label_clusters(texts, ids, brand_terms=["Acme"], sentiments=[-0.5] * len(texts))

    assert "delivery late" in labels[0].name
    assert "parcel" in labels[0].keywords
    assert "support agent" in labels[1].name
    assert "expensive" in labels[2].name
    assert labels[0].description.startswith("Customers mention delivery, late, parcel")
    assert labels[0].description.endswith("(5 sentences, mostly negative).")


def test_brand_names_handles_tags_and_links_never_make_a_label() -> None:
    texts = DELIVERY + SUPPORT + PRICE
    ids = [0] * len(DELIVERY) + [1] * len(SUPPORT) + [2] * len(PRICE)

    labels = label_clusters(texts, ids, brand_terms=["Acme"])

    words = {w for label in labels.values() for k in label.keywords for w in k.split()}
    assert words.isdisjoint({"acme", "acmeshop", "fail", "https", "co", "xyz"})


def test_a_word_every_cluster_uses_alike_is_dropped() -> None:
    texts = [f"{t} honestly" for t in DELIVERY + SUPPORT + PRICE]
    ids = [0] * len(DELIVERY) + [1] * len(SUPPORT) + [2] * len(PRICE)

    labels = label_clusters(texts, ids)

    assert all("honestly" not in " ".join(label.keywords) for label in labels.values())


def test_the_unassigned_pool_gets_no_label_and_stop_words_in_two_languages_are_ignored() -> None:
    texts = ["el envío llegó tarde", "envío tarde otra vez", "the parcel is late", "random words here"]

    labels = label_clusters(texts, [0, 0, -1, -1])

    assert list(labels) == [0]
    assert labels[0].keywords[0].startswith("envío") or labels[0].keywords[0].startswith("tarde")
    assert not {"el", "otra"} & {w for k in labels[0].keywords for w in k.split()}


def test_clean_text_removes_handles_tags_links_and_brands() -> None:
    cleaned = clean_text(
        "@acme #deals see www.acme.com or https://x.y/z — Acme Corp rocks", brand_terms=["acme corp"]
    )
    assert cleaned.split() == ["see", "or", "—", "rocks"]


def test_a_label_does_not_repeat_a_word_in_another_form() -> None:
    texts = [
        "love the colors, the color is lovely",
        "colors are great and the color blue too",
        "nice color",
        "dresses run small, this dress too",
        "the dress is small like all dresses",
        "dress was small",
    ]

    labels = label_clusters(texts, [0, 0, 0, 1, 1, 1], top_n=3)

    assert not {"colors", "color"} <= {w for k in labels[0].keywords for w in k.split()}
    assert not {"dresses", "dress"} <= {w for k in labels[1].keywords for w in k.split()}


def test_names_of_people_never_make_a_label() -> None:
    texts = [
        "Dr Morgan cancelled my appointment again",
        "my appointment with Dr Morgan was cancelled",
        "Dr Morgan: appointment cancelled, no call",
        "the delivery was late, parcel damaged",
        "delivery late and the parcel lost",
        "parcel delivery late again",
    ]
    labels = label_clusters(texts, [0, 0, 0, 1, 1, 1])

    assert "appointment" in labels[0].name
    assert not {"dr", "morgan"} & {w for k in labels[0].keywords for w in k.split()}
