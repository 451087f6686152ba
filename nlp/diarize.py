"""Who spoke each turn of a mono recording, from the voice: two-speaker clustering.

A mono call has no channel to say who is talking. Each turn's voice is summarised by the
mean and spread of its mel-frequency cepstra over its voiced frames (a classic speaker
signature: vocal tract shape, not words), the turns are split into two groups by k-means,
and the groups become speaker labels "S1"/"S2". nlp.roles then names the labels agent and
customer from what each group said, as it does for a typed transcript's speaker names.

Numpy only, offline, ~10 ms per turn. When the two groups are not clearly two voices (one
speaker, or voices too alike), no labels are returned and roles come from the text alone.
Measured by `aftercall eval speakers` (README, "Mono calls").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aftercall.nlp.transcript import Turn

SR = 16000
_FRAME, _HOP, _NFFT, _MELS, _CEPS = 400, 160, 512, 40, 20
# Turns shorter than this are too short for a signature of their own: they get the label of
# the nearer group centre, but do not shape the groups.
MIN_TURN_S = 1.0
# Distance between the two groups' mean cepstra below which they are one voice split in two
# (k-means always finds two groups). Measured: one speaker 15-22 (jfk, Katie's and Steve's
# enrollment recordings, the multilingual sample); two speakers 33-55 (Katie+Steve built
# calls, katiesteve.wav, the demo calls' espeak voices).
MIN_VOICE_DISTANCE = 27.0
# Whisper's word times leave quick exchanges ("Done, see you Monday." "Great, thanks.") inside
# one turn when the pause between them is under the turn gap (0.8 s). Inside a turn, a pause
# of at least SPLIT_GAP_S is a place where the other voice may have started; the turn is cut
# there when the stretches either side, each of at least MIN_PIECE_S, sound like the two
# different groups (see split_at_voice_changes).
SPLIT_GAP_S = 0.3
MIN_PIECE_S = 0.8


def _mel_filters() -> np.ndarray:
    def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    # 60 Hz-3.7 kHz: the telephone band, so 8 kHz calls and 16 kHz calls are alike.
    mels = np.linspace(hz_to_mel(60.0), hz_to_mel(3700.0), _MELS + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    bins = np.floor((_NFFT + 1) * hz / SR).astype(int)
    fb = np.zeros((_MELS, _NFFT // 2 + 1))
    for m in range(1, _MELS + 1):
        lo, mid, hi = bins[m - 1], bins[m], bins[m + 1]
        fb[m - 1, lo:mid] = (np.arange(lo, mid) - lo) / max(mid - lo, 1)
        fb[m - 1, mid:hi] = (hi - np.arange(mid, hi)) / max(hi - mid, 1)
    return fb


_FILTERS = _mel_filters()
_DCT = np.cos(np.pi / _MELS * (np.arange(_MELS) + 0.5)[None, :] * np.arange(_CEPS)[:, None])


def voice_signature(audio: np.ndarray) -> np.ndarray | None:
    """Mean and standard deviation of cepstra 1..19 over the louder half of the frames."""
    if len(audio) < _FRAME * 10:
        return None
    n = 1 + (len(audio) - _FRAME) // _HOP
    idx = np.arange(_FRAME)[None, :] + _HOP * np.arange(n)[:, None]
    frames = audio[idx] * np.hamming(_FRAME)
    power = np.abs(np.fft.rfft(frames, _NFFT)) ** 2
    logmel = np.log(power @ _FILTERS.T + 1e-10)
    energy = logmel.sum(axis=1)
    voiced = logmel[energy >= np.median(energy)]
    ceps = voiced @ _DCT.T
    ceps = ceps[:, 1:]  # c0 is loudness, not voice
    return np.concatenate([ceps.mean(axis=0), ceps.std(axis=0)])


def _kmeans2(x: np.ndarray, w: np.ndarray, iters: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Two weighted k-means centres, started from the two turns farthest apart."""
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    a, b = np.unravel_index(np.argmax(d), d.shape)
    centres = x[[a, b]].copy()
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iters):
        dist = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new = dist.argmin(axis=1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for k in (0, 1):
            if (labels == k).any():
                centres[k] = np.average(x[labels == k], axis=0, weights=w[labels == k])
    return centres, labels


@dataclass
class _Groups:
    sigs: list[np.ndarray | None]  # per turn; None: no times or too short for a signature
    mu: np.ndarray  # scaling of the features, from the long turns
    sd: np.ndarray
    centres: np.ndarray  # the two k-means centres, scaled
    distance: float  # between the groups' mean cepstra (see _voice_distance)


def _groups(audio: np.ndarray, turns: list[Turn]) -> _Groups | None:
    """Signatures of every turn and two groups fitted on the long ones (None: < 3 long)."""
    sigs: list[np.ndarray | None] = []
    for t in turns:
        if t.start_s is None or t.end_s is None:
            sigs.append(None)
            continue
        sigs.append(voice_signature(audio[int(t.start_s * SR) : int(t.end_s * SR)]))
    long_idx = [
        i
        for i, (t, s) in enumerate(zip(turns, sigs, strict=True))
        if s is not None and (t.end_s - t.start_s) >= MIN_TURN_S
    ]
    if len(long_idx) < 3:
        return None
    x = np.stack([sigs[i] for i in long_idx])
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    w = np.array([turns[i].end_s - turns[i].start_s for i in long_idx])
    centres, labels = _kmeans2((x - mu) / sd, w)
    return _Groups(sigs, mu, sd, centres, _voice_distance(x, labels))


def _nearest(groups: _Groups, sig: np.ndarray) -> int:
    zs = (sig - groups.mu) / groups.sd
    return int(((groups.centres - zs) ** 2).sum(axis=1).argmin())


def speaker_labels(audio: np.ndarray, turns: list[Turn]) -> list[str | None] | None:
    """ "S1"/"S2" for each turn of a mono call (S1 speaks first), or None when the recording
    does not clearly hold two voices. Turns without times get None."""
    groups = _groups(audio, turns)
    if groups is None or groups.distance < MIN_VOICE_DISTANCE:
        return None
    out = [None if s is None else _nearest(groups, s) for s in groups.sigs]
    first = next(o for o in out if o is not None)
    return [None if o is None else ("S1" if o == first else "S2") for o in out]


def split_at_voice_changes(audio: np.ndarray, turns: list[Turn]) -> list[Turn]:
    """The turns, each cut where an inner pause separates stretches that sound like the two
    different voices of the call (groups fitted on the whole call). Unchanged when the call
    does not clearly hold two voices, or a turn has no such pause."""
    groups = _groups(audio, turns)
    if groups is None or groups.distance < MIN_VOICE_DISTANCE:
        return turns
    return [piece for turn in turns for piece in _split(audio, turn, groups)]


def _split(audio: np.ndarray, turn: Turn, groups: _Groups) -> list[Turn]:
    words = turn.words
    cuts = [i for i in range(1, len(words)) if words[i].start_s - words[i - 1].end_s >= SPLIT_GAP_S]
    if not cuts:
        return [turn]
    bounds = [0, *cuts, len(words)]
    pieces = [words[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    voices: list[int | None] = []
    for piece in pieces:
        start, end = piece[0].start_s, piece[-1].end_s
        sig = voice_signature(audio[int(start * SR) : int(end * SR)])
        voices.append(None if sig is None or end - start < MIN_PIECE_S else _nearest(groups, sig))
    known = [v for v in voices if v is not None]
    if len(set(known)) < 2:
        return [turn]
    # A stretch too short to judge stays with the voice before it (the first: the one after).
    filled: list[int] = []
    for v in voices:
        filled.append(v if v is not None else filled[-1] if filled else known[0])
    out: list[Turn] = []
    run: list = []
    for i, piece in enumerate(pieces):
        run += piece
        if i == len(pieces) - 1 or filled[i + 1] != filled[i]:
            out.append(
                turn.model_copy(
                    update={
                        "start_s": run[0].start_s,
                        "end_s": max(w.end_s for w in run),
                        "text": " ".join(w.text for w in run),
                        "words": run,
                    }
                )
            )
            run = []
    return out


def diarize(audio: np.ndarray, turns: list[Turn]) -> tuple[list[Turn], list[str | None] | None]:
    """A mono call's turns cut at voice changes, and "S1"/"S2" for each of them (None: the
    recording does not clearly hold two voices)."""
    turns = split_at_voice_changes(audio, turns)
    return turns, speaker_labels(audio, turns)


def _voice_distance(x: np.ndarray, labels: np.ndarray) -> float:
    """Distance between the two groups' mean cepstra (unscaled: the scaled features always
    look separable, whatever the voices)."""
    if labels.min() == labels.max():
        return 0.0
    means = x[:, : _CEPS - 1]
    return float(np.linalg.norm(means[labels == 0].mean(axis=0) - means[labels == 1].mean(axis=0)))


def voice_distance(audio: np.ndarray, turns: list[Turn]) -> float | None:
    """What speaker_labels compares with MIN_VOICE_DISTANCE (None: too few long turns)."""
    groups = _groups(audio, turns)
    return None if groups is None else groups.distance
