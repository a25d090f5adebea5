"""Every user-facing string of the app, in English and Simplified Chinese.

Tabs never hold literal UI text: they call `t("key")` (static labels, in the
language the app was built for) or `t("key", lang, **values)` in handlers. Adding a
language or a live switch changes this module, not the tabs.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
_ENV_LANG = os.environ.get("LLM_PLAYGROUND_LANG", "en")
DEFAULT_LANG = _ENV_LANG if _ENV_LANG in LANGUAGES else "en"

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {
        "en": "LLM Playground",
        "zh": "大模型游乐场",
    },
    "app.intro": {
        "en": "Build, train and poke a GPT in your browser, following *Build a Large Language "
              "Model (From Scratch)* and the Tang-poetry tutorial GPT.",
        "zh": "在浏览器里搭建、训练、拆解一个 GPT，跟随《从零构建大语言模型》与唐诗 GPT 教程。",
    },
    # --- tokenizer tab ---
    "tok.tab": {"en": "Tokenizer", "zh": "分词器"},
    "tok.intro": {
        "en": "A model never sees letters: text is cut into **tokens** and each token becomes a "
              "number (its id). GPT-2's byte-pair encoding (BPE) learns frequent pieces of words; "
              "a character tokenizer uses one token per character. Type anything and compare.",
        "zh": "模型看不到文字本身：文本先被切成**词元**（token），每个词元变成一个数字（id）。"
              "GPT-2 的字节对编码（BPE）学会常见的词片段；字符分词器则一个字符一个词元。输入任意文本来比较。",
    },
    "tok.text": {"en": "Text", "zh": "文本"},
    "tok.default_text": {
        "en": "Hello, do you like tea? <|endoftext|> In the sunlit terraces 你好 🎉",
        "zh": "床前明月光，疑是地上霜。Hello, world! 🎉",
    },
    "tok.char_source": {"en": "Character vocabulary from", "zh": "字符表来源"},
    "tok.char_source_info": {
        "en": "A character tokenizer only knows the characters of the text it was built from.",
        "zh": "字符分词器只认识构建它的语料里出现过的字符。",
    },
    "tok.run": {"en": "Tokenize", "zh": "分词"},
    "tok.bpe": {"en": "GPT-2 BPE", "zh": "GPT-2 BPE"},
    "tok.char": {"en": "Characters", "zh": "字符"},
    "tok.table_bpe": {"en": "BPE tokens", "zh": "BPE 词元"},
    "tok.table_char": {"en": "Character tokens", "zh": "字符词元"},
    "tok.col_pos": {"en": "#", "zh": "#"},
    "tok.col_id": {"en": "id", "zh": "id"},
    "tok.col_token": {"en": "token", "zh": "词元"},
    "tok.col_bytes": {"en": "bytes (UTF-8)", "zh": "字节 (UTF-8)"},
    "tok.counts": {
        "en": "**{chars}** characters · **{bpe}** BPE tokens ({bpe_ratio:.2f} chars/token) · "
              "**{char}** character tokens from a vocabulary of {vocab} · "
              "BPE vocabulary: 50,257 tokens",
        "zh": "**{chars}** 个字符 · **{bpe}** 个 BPE 词元（每词元 {bpe_ratio:.2f} 个字符）· "
              "**{char}** 个字符词元（字符表共 {vocab} 个）· BPE 词表：50,257 个词元",
    },
    "tok.unknown": {
        "en": "⚠ {n} character(s) are not in this character vocabulary and were skipped: {chars}",
        "zh": "⚠ 有 {n} 个字符不在这个字符表里，已跳过：{chars}",
    },
    "tok.bytes_note": {
        "en": "Pieces shown as <e4 bd> are byte fragments: BPE works on UTF-8 bytes, so one "
              "Chinese character or emoji can be split over several tokens.",
        "zh": "形如 <e4 bd> 的是字节片段：BPE 以 UTF-8 字节为单位，一个汉字或表情可能被拆成几个词元。",
    },
    "tok.source.this": {"en": "this text itself", "zh": "这段文本本身"},
    # --- plots ---
    "plot.step_loss": {"en": "loss per step", "zh": "每步损失"},
    "plot.train_loss": {"en": "training loss", "zh": "训练损失"},
    "plot.val_loss": {"en": "validation loss", "zh": "验证损失"},
    "plot.loss_title": {"en": "Loss (cross-entropy)", "zh": "损失（交叉熵）"},
    "plot.tokens_seen": {"en": "tokens seen", "zh": "已见词元数"},
    "plot.loss": {"en": "loss", "zh": "损失"},
    # --- corpora and presets ---
    "corpus.the-verdict": {"en": "the-verdict (Edith Wharton, built in)", "zh": "the-verdict（伊迪丝·华顿，内置）"},
    "corpus.tiny-shakespeare": {"en": "tiny-shakespeare (1 MB)", "zh": "tiny-shakespeare（1 MB 莎士比亚）"},
    "corpus.tang": {"en": "Tang poems (全唐诗)", "zh": "唐诗（全唐诗）"},
    "preset.cpu-demo": {"en": "CPU demo (words within a minute)", "zh": "CPU 演示（一分钟内出单词）"},
    "preset.tang-char": {"en": "Tang poetry, characters", "zh": "唐诗字符模型"},
    "preset.tang-tutorial": {"en": "Tang poetry, the tutorial's settings (slow start)", "zh": "唐诗，教程原始设置（起步慢）"},
    "preset.tiny": {"en": "tiny (for a quick check)", "zh": "迷你（快速检查）"},
    "preset.gpt2-124m": {"en": "book: GPT-2 124M (slow on CPU)", "zh": "书中配置：GPT-2 124M（CPU 上很慢）"},
    "preset.gpt2-355m": {"en": "book: GPT-2 355M (very slow on CPU)", "zh": "书中配置：GPT-2 355M（CPU 上非常慢）"},
    # --- pretrain tab ---
    "pre.tab": {"en": "Pretrain", "zh": "预训练"},
    "pre.intro": {
        "en": "Press **Start** and watch a GPT learn to predict the next token. At first it guesses "
              "uniformly: the loss starts near ln(vocabulary size), and samples are noise. As the loss "
              "falls, frequent words and punctuation appear, then phrases. A small model on a small "
              "text then **overfits**: training loss keeps falling while validation loss turns up, "
              "and samples start quoting the text. A small pretrained model completes text; it does "
              "not chat.",
        "zh": "按 **开始**，看 GPT 学习预测下一个词元。起初它在均匀瞎猜：损失从 ln(词表大小) 附近开始，"
              "生成的都是乱码。随着损失下降，先出现常见字词和标点，然后是短语。小模型在小语料上会**过拟合**："
              "训练损失继续下降，验证损失却开始上升，生成的文字开始照抄原文。小型预训练模型只会续写文本，不会聊天。",
    },
    "pre.corpus": {"en": "Training text", "zh": "训练语料"},
    "pre.own_text": {"en": "my own text", "zh": "我自己的文本"},
    "pre.own_text_hint": {"en": "Paste a few thousand characters or more…", "zh": "粘贴至少几千个字符……"},
    "pre.upload": {"en": "upload a .txt file", "zh": "上传 .txt 文件"},
    "pre.tokenizer": {"en": "Tokenizer", "zh": "分词器"},
    "pre.tok.auto": {"en": "the corpus's usual one", "zh": "语料默认"},
    "pre.tok.char": {"en": "characters", "zh": "字符"},
    "pre.tok.gpt2-subset": {"en": "GPT-2 BPE, only this text's tokens (fast)", "zh": "GPT-2 BPE，仅本语料出现的词元（快）"},
    "pre.tok.gpt2": {"en": "GPT-2 BPE, all 50,257 tokens (slow on CPU)", "zh": "GPT-2 BPE，全部 50,257 个词元（CPU 上慢）"},
    "pre.preset": {"en": "Model preset", "zh": "模型预设"},
    "pre.settings": {"en": "Model and training settings", "zh": "模型与训练设置"},
    "pre.layers": {"en": "layers (transformer blocks)", "zh": "层数（Transformer 块）"},
    "pre.heads": {"en": "attention heads", "zh": "注意力头数"},
    "pre.emb": {"en": "embedding size", "zh": "嵌入维度"},
    "pre.context": {"en": "context length (tokens)", "zh": "上下文长度（词元）"},
    "pre.batch": {"en": "batch size", "zh": "批大小"},
    "pre.steps": {"en": "training steps", "zh": "训练步数"},
    "pre.lr": {"en": "peak learning rate", "zh": "峰值学习率"},
    "pre.seed": {"en": "seed (same seed + settings = same curve)", "zh": "随机种子（相同种子与设置 = 相同曲线）"},
    "pre.setup_info": {
        "en": "**{params:,}** parameters · vocabulary {vocab:,} · {tokens:,} tokens per step · "
              "about **{time}** per step on this machine",
        "zh": "**{params:,}** 个参数 · 词表 {vocab:,} · 每步 {tokens:,} 个词元 · 本机每步约 **{time}**",
    },
    "pre.setup_problem": {"en": "⚠ {reason}", "zh": "⚠ {reason}"},
    "pre.resume": {"en": "continue from the loaded checkpoint", "zh": "从已加载的检查点继续训练"},
    "pre.start": {"en": "Start", "zh": "开始"},
    "pre.pause": {"en": "Pause", "zh": "暂停"},
    "pre.resume_btn": {"en": "Resume", "zh": "继续"},
    "pre.stop": {"en": "Stop", "zh": "停止"},
    "pre.save": {"en": "Save checkpoint", "zh": "保存检查点"},
    "pre.download": {"en": "Download (safetensors + JSON)", "zh": "下载（safetensors + JSON）"},
    "pre.load": {"en": "Load a checkpoint (.safetensors)", "zh": "加载检查点（.safetensors）"},
    "pre.simplified": {"en": "show Tang poems in simplified characters", "zh": "唐诗以简体显示"},
    "pre.log_scale": {"en": "log-scale loss", "zh": "对数坐标"},
    "pre.samples": {"en": "Samples: from noise to words (fixed prompt, fixed seed)", "zh": "生成样例：从乱码到文字（固定提示与种子）"},
    "pre.col_step": {"en": "step", "zh": "步"},
    "pre.col_loss": {"en": "loss", "zh": "损失"},
    "pre.col_sample": {"en": "sample", "zh": "样例"},
    "pre.job_label": {"en": "my pretrain · {corpus} · {preset}", "zh": "我的预训练 · {corpus} · {preset}"},
    "pre.started": {"en": "Training started (seed {seed}).", "zh": "训练已开始（种子 {seed}）。"},
    "pre.queued": {"en": "The server is busy: {n} job(s) ahead of you. Yours starts by itself.",
                   "zh": "服务器繁忙：前面还有 {n} 个任务，轮到你时会自动开始。"},
    "pre.no_job": {"en": "You have no training job.", "zh": "你还没有训练任务。"},
    "pre.no_job_yet": {"en": "No training yet: choose a text and press Start.", "zh": "还没有训练：选择语料后按“开始”。"},
    "pre.did_pause": {"en": "Paused.", "zh": "已暂停。"},
    "pre.did_resume": {"en": "Resumed.", "zh": "已继续。"},
    "pre.did_stop": {"en": "Stopped.", "zh": "已停止。"},
    "pre.saved": {"en": "Saved at step {step}: download both files below.", "zh": "已在第 {step} 步保存：请在下方下载两个文件。"},
    "pre.loaded": {"en": "Loaded a checkpoint at step {step} ({params:,} parameters). It is now in your models list; tick “continue” to train it further.",
                   "zh": "已加载第 {step} 步的检查点（{params:,} 个参数），已加入你的模型列表；勾选“继续训练”可接着训练。"},
    "pre.err.no_upload": {"en": "Choose a .txt file to upload first.", "zh": "请先选择要上传的 .txt 文件。"},
    "pre.err.no_checkpoint": {"en": "Choose a .safetensors checkpoint first.", "zh": "请先选择 .safetensors 检查点。"},
    "pre.err.not_safetensors": {"en": "Only .safetensors checkpoints can be loaded (never pickle files).",
                                "zh": "只能加载 .safetensors 检查点（从不加载 pickle 文件）。"},
    "pre.err.too_big": {"en": "The file is too large to load here.", "zh": "文件太大，无法在这里加载。"},
    "pre.err.resume_steps": {"en": "The checkpoint is already at step {step}: set more training steps than that.",
                             "zh": "检查点已在第 {step} 步：请把训练步数设得更大。"},
    "pre.state.queued": {"en": "⏳ **queued**", "zh": "⏳ **排队中**"},
    "pre.state.running": {"en": "▶ **training**: step {step:,} of {max_steps:,}", "zh": "▶ **训练中**：第 {step:,} / {max_steps:,} 步"},
    "pre.state.paused": {"en": "⏸ **paused** at step {step:,} of {max_steps:,}", "zh": "⏸ **已暂停**：第 {step:,} / {max_steps:,} 步"},
    "pre.state.stopped": {"en": "⏹ **stopped** at step {step:,}", "zh": "⏹ **已停止**：第 {step:,} 步"},
    "pre.state.finished": {"en": "✅ **finished**: {step:,} steps", "zh": "✅ **完成**：共 {step:,} 步"},
    "pre.state.failed": {"en": "⚠ **stopped by the guard** at step {step:,}", "zh": "⚠ **被保护机制停止**：第 {step:,} 步"},
    "pre.stats": {
        "en": "{tps:,.0f} tokens/s · elapsed {elapsed} · ETA {eta} · loss {loss:.3f} · lr {lr:.2e} · "
              "gradient norm {grad:.2f} · seed {seed} · {params:,} parameters",
        "zh": "{tps:,.0f} 词元/秒 · 已用 {elapsed} · 预计剩余 {eta} · 损失 {loss:.3f} · 学习率 {lr:.2e} · "
              "梯度范数 {grad:.2f} · 种子 {seed} · {params:,} 个参数",
    },
    "pre.eval": {"en": "last evaluation: training {train:.3f} · validation {val:.3f} (perplexity {ppl:,.1f})",
                 "zh": "最近评估：训练 {train:.3f} · 验证 {val:.3f}（困惑度 {ppl:,.1f}）"},
    "pre.overfitting": {"en": "📈 **Overfitting**: validation loss is rising while training loss falls. The model is memorising this text rather than learning the language.",
                        "zh": "📈 **过拟合**：训练损失在降，验证损失却在升。模型在背诵这段文本，而不是学习语言。"},
    "pre.reason": {"en": "Reason: {reason}", "zh": "原因：{reason}"},
    # --- model picker ---
    "picker.label": {"en": "Model", "zh": "模型"},
    "picker.info": {"en": "Train one in the Pretrain tab, or pick GPT-2 (needs a download once).",
                    "zh": "可以在“预训练”页训练一个，或选择 GPT-2（首次需要下载）。"},
    "picker.refresh": {"en": "↻ refresh list", "zh": "↻ 刷新列表"},
    "picker.live": {"en": "my model (training now, live)", "zh": "我的模型（正在训练，实时）"},
    "picker.fresh": {"en": "an untrained model (random weights)", "zh": "未训练的模型（随机权重）"},
    "picker.gpt2-124m": {"en": "GPT-2 124M (OpenAI, from the Hub)", "zh": "GPT-2 124M（OpenAI，来自 Hub）"},
    "picker.gpt2-355m": {"en": "GPT-2 355M (OpenAI, from the Hub)", "zh": "GPT-2 355M（OpenAI，来自 Hub）"},
    "picker.err.none": {"en": "Choose a model first.", "zh": "请先选择一个模型。"},
    "picker.err.no_live": {"en": "You have no training job yet: start one in the Pretrain tab.",
                           "zh": "你还没有训练任务：请先在“预训练”页开始训练。"},
    "picker.err.gone": {"en": "That model is no longer in your list: refresh the list.",
                        "zh": "该模型已不在你的列表中：请刷新列表。"},
    "picker.err.hub": {"en": "GPT-2 could not be loaded. {reason}", "zh": "无法加载 GPT-2。{reason}"},
    # --- errors shared by tabs ---
    "err.empty_text": {"en": "Please type some text first.", "zh": "请先输入一些文本。"},
    "err.too_long": {
        "en": "The text is too long ({n:,} characters); at most {limit:,} are shown here.",
        "zh": "文本太长（{n:,} 个字符）；这里最多显示 {limit:,} 个。",
    },
    "err.corpus": {"en": "Corpus unavailable: {reason}", "zh": "语料不可用：{reason}"},
}


def t(key: str, lang: str | None = None, **values) -> str:
    """The string `key` in `lang` (default: the app's language), formatted with values."""
    entry = STRINGS.get(key)
    if entry is None:
        raise KeyError(f"no UI string named {key!r}")
    text = entry.get(lang or DEFAULT_LANG) or entry["en"]
    return text.format(**values) if values else text
