"""`aftercall bench nlp` runs end to end (no timing assertions: figures are printed, not
tested), and the batched path it times gives the same answers as `analyse`."""

from __future__ import annotations

from aftercall.evaluation.bench_nlp import run, transcripts
from aftercall.nlp.detector import analyse, analyse_many, load_pipeline
from aftercall.nlp.transcript import Transcript, Turn


def test_bench_runs_on_a_tiny_corpus() -> None:
    result = run(calls=3, words=120, n_process=1, log=lambda _: None)
    assert result["aftercall"]["seconds"] > 0 and result["bare_same"]["seconds"] > 0
    assert result["ratio_same"] > 0 and result["words"] >= 3 * 120
    assert "aftercall_signals" in result["aftercall"]["pipes"]
    assert "ner" in result["bare_stock"]["pipes"] and "ner" not in result["bare_same"]["pipes"]


def test_generated_transcripts_are_long_enough_and_seeded() -> None:
    a, b = transcripts(4, 900), transcripts(4, 900)
    assert [t.model_dump() for t in a] == [t.model_dump() for t in b]
    assert all(sum(len(t.text.split()) for t in tr.turns) >= 900 for tr in a)


def test_analyse_many_matches_analyse_call_by_call() -> None:
    nlp = load_pipeline()
    calls = transcripts(3, 200)
    calls.insert(1, Transcript(turns=[]))  # a call with no text needs no Doc
    calls.append(Transcript(turns=[Turn(text="   ")]))
    many = list(analyse_many(calls, nlp=nlp))
    assert len(many) == len(calls)
    for call, got in zip(calls, many, strict=True):
        assert got == analyse(call, nlp=nlp)
