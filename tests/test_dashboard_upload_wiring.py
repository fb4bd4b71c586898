"""The Data page carries the upload workflow when a store is configured, and says how otherwise."""

from pathlib import Path

import pyarrow.parquet as pq
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"

ACLED = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
    "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
    "tags,timestamp\n"
    "MLI1,2024-03-05,2024,1,Political violence,Battles,Armed clash,A,,1,B,,2,12,,466,Western Africa,Mali,"
    "Gao,,,Gao,16.27,-0.04,1,X,National,n,4,,1700000000\n"
    "MLI2,2024-03-09,2024,1,Political violence,Violence against civilians,Attack,A,,1,C,,7,17,"
    "Civilian targeting,466,Western Africa,Mali,Mopti,,,Mopti,14.49,-4.19,1,X,National,n,2,,1700000000\n"
)


def _data_page(monkeypatch, store):
    if store is None:
        monkeypatch.delenv("STABILITY_STORE", raising=False)
    else:
        monkeypatch.setenv("STABILITY_STORE", str(store))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception
    return at


def test_without_a_store_the_page_says_how_to_add_data(monkeypatch):
    at = _data_page(monkeypatch, None)
    assert any("stability dashboard --store DIR" in i.value for i in at.info)
    assert len(at.get("file_uploader")) == 0


def test_upload_from_the_data_page_lands_in_the_store(monkeypatch, tmp_path):
    store = tmp_path / "store"
    at = _data_page(monkeypatch, store)
    uploader = at.get("file_uploader")
    assert len(uploader) == 1
    uploader[0].set_value(("acled.csv", ACLED.encode(), "text/csv")).run()
    assert not at.exception
    store_buttons = [b for b in at.button if "Store" in b.label]
    assert store_buttons, [b.label for b in at.button]
    store_buttons[0].click().run()
    assert not at.exception
    batches = list((store / "batches" / "incidents").glob("*.parquet"))
    assert len(batches) == 1
    stored = pq.read_table(batches[0]).to_pandas()
    # two ACLED rows: Mali, 4 + 2 deaths
    assert sorted(stored["event_id"]) == ["MLI1", "MLI2"]
    assert stored["fatalities"].sum() == 6 and set(stored["iso3"]) == {"MLI"}


def test_caption_says_where_a_table_ends(tmp_path):
    import datetime as dt

    import pyarrow as pa

    from datasets.bundle import load_bundle
    from datasets.loaders import Dataset
    from datasets.schema import COLLABORATION, conform
    from reports.compute import caption

    b = load_bundle()
    old = conform(
        pa.table(
            {
                "event_id": ["x"],
                "start_date": [dt.date(2010, 6, 1)],
                "kind": ["joint_exercise"],
                "participants": [["FRA", "DEU"]],
                "source": ["MME"],
            }
        ),
        COLLABORATION,
    )
    ends_2010 = Dataset("collaboration", old, False, "Your data store: 1 batch (MME)", "v-test")
    b2 = type(b)(b.regions, b.incidents, ends_2010, b.perception, b.regions_label)
    cap = caption(b2, "2005-01", "2015-12", "collaboration")
    # the exercises end in 2010-06: the caption says so instead of letting 2010–2015 read as zero
    assert "collaboration data end 2010-06" in cap.note
    assert "data end" not in caption(b2, "2005-01", "2010-06", "collaboration").note
