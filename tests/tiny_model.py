"""A tiny local sentence-transformers model for tests of the user-model path (no download)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TEXTS = [
    "电梯更换完成次数", "修缮改造任务完成率", "项目建设按期完成情况", "服务对象满意度", "群众满意度",
    "绿色办公", "实现绿色办公", "享受职业培训补贴人员数量", "资金发放准时率", "档案数字化加工册数",
    "社保卡制卡单位平均成本", "劳动力市场基础设施维护维修专项经费", "社会保障业务经费",
]


def build_tiny_model(path: Path, dim: int = 16) -> Path:
    """A sentence-transformers model made here: a StaticEmbedding over single characters."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    chars = sorted(set("".join(TEXTS)))
    vocab = {"[UNK]": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    weights = np.random.default_rng(0).normal(size=(len(vocab), dim)).astype(np.float32)
    SentenceTransformer(modules=[StaticEmbedding(tok, embedding_weights=weights), Normalize()]).save(str(path))
    return path
