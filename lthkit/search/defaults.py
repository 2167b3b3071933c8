"""Paper-faithful experiments, one per model: [FC19] (Frankle & Carbin, ICLR 2019) for
Lenet-300-100 and Conv-6, the text-classification study [TXT] for the text CNN and the
BiLSTM, the thesis [UNV20] for the 20 Newsgroups End2End network (`lthkit.claims` lists
the sources; the chapters discuss each setting).

`default_experiment("lenet_300_100")` is [FC19]'s Lenet setting (each model's own file in
`lthkit.search.zoo` holds it); change a part with
`.replace(train={"training": "2000it"})` (a section and its fields) or with the knobs of
`lthkit.search.experiment`.
"""
from lthkit._errors import bad_param

# Tokens per text: [TXT] does not say; IMDb's 400 keep 83 % of reviews whole, AG News's 100
# keep all of them.
MAX_LEN = {"imdb": 400, "ag_news": 100}

# [TXT] gives no text length for either text model: the "paper" max_len of a card is ours.
TEXT_LENGTH_NOTE = ("texts are cut or padded to max_len tokens (IMDb 400, AG News 100): "
                    "[TXT] does not say, so the card's 'paper' max_len is this book's choice")

# Where the data depart from the paper's, per dataset (shown on every stored run's diff card
# after its model's notes, `ModelEntry.notes`).
DATASET_NOTES = {
    "imdb": ["[TXT]: IMDb uses the official 25,000 / 25,000 split with 30 % of train held out "
             "for validation ([TXT] pooled and re-split into 28,000 / 12,000 / 10,000)"],
    "ag_news": ["offline, AG News is a seeded re-split of its 7,600 official test rows"],
}


def default_experiment(model, dataset=None):
    """The paper-faithful `Experiment` of a registered model (`lthkit.models.registry`; the
    built-in ones are in `lthkit.search.zoo`, a file each); `dataset` picks one of the
    datasets the model trains on (the text models: "imdb" or "ag_news")."""
    from lthkit.models import registry
    entry = registry.entry(model)
    if dataset is not None and entry.datasets and dataset not in entry.datasets:
        raise bad_param("dataset", dataset, " or ".join(repr(d) for d in entry.datasets)
                        + f" for {model}")
    return entry.paper(dataset)
