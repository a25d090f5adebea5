"""Every user-facing string of the app, in English and Simplified Chinese.

Tabs never hold literal UI text: they call `t("key")` for static labels (in the
language the app is built in) and `t("key", lang, **values)` in handlers, where
`lang` is the learner's language, handed to every handler as an input (see
`playground.session.AppContext`). Adding a language or a live switch changes this
module and that input, not the tabs.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
LANG_ENV = "LLM_PLAYGROUND_LANG"


def default_lang() -> str:
    """The app's language when none is given: LLM_PLAYGROUND_LANG, else English."""
    lang = os.environ.get(LANG_ENV, "en")
    return lang if lang in LANGUAGES else "en"


def check_lang(lang) -> str:
    """A supported language code, or the default for anything else."""
    return lang if lang in LANGUAGES else default_lang()

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
              "the book's simple tokenizer (chapter 2) cuts at spaces and punctuation and turns a "
              "word it has never seen into <|unk|>; a character tokenizer uses one token per "
              "character. Type anything and compare.",
        "zh": "模型看不到文字本身：文本先被切成**词元**（token），每个词元变成一个数字（id）。"
              "GPT-2 的字节对编码（BPE）学会常见的词片段；书中的简单分词器（第 2 章）按空格和标点切分，"
              "没见过的单词变成 <|unk|>；字符分词器则一个字符一个词元。输入任意文本来比较。",
    },
    "tok.text": {"en": "Text", "zh": "文本"},
    "tok.default_text": {
        "en": "Hello, do you like tea? <|endoftext|> In the sunlit terraces 你好 🎉",
        "zh": "床前明月光，疑是地上霜。Hello, world! 🎉",
    },
    "tok.char_source": {"en": "Character and word vocabularies from", "zh": "字符表与词表来源"},
    "tok.char_source_info": {
        "en": "A character or word tokenizer only knows the characters or words of the text it "
              "was built from.",
        "zh": "字符或单词分词器只认识构建它的语料里出现过的字符或单词。",
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
        "en": "Pieces shown as `<e4 bd>` are byte fragments: BPE works on UTF-8 bytes, so one "
              "Chinese character or emoji can be split over several tokens.",
        "zh": "形如 `<e4 bd>` 的是字节片段：BPE 以 UTF-8 字节为单位，一个汉字或表情可能被拆成几个词元。",
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
    "corpus.tang": {"en": "Tang poems: all, the tutorial's recipe (全唐诗)", "zh": "唐诗：全部，教程原始配方（全唐诗）"},
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
    # --- sampling lab tab ---
    "samp.tab": {"en": "Sampling lab", "zh": "采样实验室"},
    "samp.intro": {
        "en": "A GPT does not write text: it gives a **probability to every possible next token**, "
              "and a sampler picks one. **Temperature** divides the logits (below 1 sharpens, above 1 "
              "flattens, 0 always takes the most likely token), **top-k** keeps the k likeliest "
              "tokens, **top-p** keeps the likeliest tokens until their probabilities add up to p. "
              "Fix the **seed** and the same settings give the same text, every time.",
        "zh": "GPT 并不直接写字：它给**每一个可能的下一个词元打一个概率**，再由采样器挑一个。"
              "**温度**会除以 logits（小于 1 更尖锐，大于 1 更平坦，0 总是取最可能的词元），"
              "**top-k** 只保留最可能的 k 个词元，**top-p** 按概率从高到低保留词元，直到概率之和达到 p。"
              "固定**随机种子**，同样的设置每次都生成同样的文字。",
    },
    "samp.prompt": {"en": "Prompt", "zh": "提示词"},
    "samp.default_prompt": {"en": "I had always thought", "zh": "I had always thought"},
    "samp.prompt_hint": {"en": "Type the start of a text…", "zh": "输入一段文字的开头……"},
    "samp.simplified": {"en": "show a Tang model's output in simplified characters",
                        "zh": "唐诗模型的输出以简体显示"},
    "samp.seed": {"en": "seed (same seed + same settings = same text)",
                  "zh": "随机种子（相同种子 + 相同设置 = 相同文字）"},
    "samp.temperature": {"en": "temperature (0 = greedy)", "zh": "温度（0 = 贪心）"},
    "samp.top_k": {"en": "top-k (0 = off)", "zh": "top-k（0 = 不限）"},
    "samp.top_p": {"en": "top-p (1 = off)", "zh": "top-p（1 = 不限）"},
    "samp.bars": {"en": "tokens shown", "zh": "显示的词元数"},
    "samp.n_tokens": {"en": "tokens to generate", "zh": "生成的词元数"},
    "samp.show": {"en": "Show next-token distribution", "zh": "显示下一个词元的分布"},
    "samp.step": {"en": "Step: append the drawn token", "zh": "单步：追加抽中的词元"},
    "samp.generate": {"en": "Generate", "zh": "生成"},
    "samp.generated": {"en": "Generated text (prompt + continuation)", "zh": "生成的文字（提示词 + 续写）"},
    "samp.plot": {"en": "Next-token probabilities", "zh": "下一个词元的概率"},
    # --- comparison ---
    "samp.compare_title": {
        "en": "### Seed-locked comparison\nThe same prompt and seed under three settings. Press "
              "again: the texts do not change, because the seed fixes every random number.",
        "zh": "### 固定种子的对比\n同一提示词、同一种子，三种设置并排。再按一次，文字不会变，"
              "因为种子固定了每一个随机数。",
    },
    "samp.setting": {"en": "Setting {n}", "zh": "设置 {n}"},
    "samp.compare": {"en": "Compare the three settings", "zh": "对比三种设置"},
    "samp.continuation": {"en": "Continuation {n}", "zh": "续写 {n}"},
    "samp.compare_done": {
        "en": "Seed {seed}, {n} tokens each. 1: {s1} · 2: {s2} · 3: {s3}",
        "zh": "种子 {seed}，每个 {n} 个词元。1：{s1} · 2：{s2} · 3：{s3}",
    },
    "samp.setting_desc": {"en": "T={temperature:g}, top-k {top_k}, top-p {top_p}",
                          "zh": "T={temperature:g}，top-k {top_k}，top-p {top_p}"},
    "samp.setting_greedy": {"en": "greedy", "zh": "贪心"},
    "samp.off": {"en": "off", "zh": "不限"},
    # --- surprisal ---
    "samp.surprisal_title": {
        "en": "### Surprisal: how surprised is the model by each token?\nEach token is coloured by "
              "−ln p, the model's surprise at seeing it after the tokens before it. The **average "
              "surprisal is the cross-entropy loss** the model is trained to lower, and "
              "**perplexity = e^loss**: the model is as unsure as if it picked uniformly among that "
              "many tokens.",
        "zh": "### 惊讶度：模型看到每个词元有多意外？\n每个词元按 −ln p 上色，即模型在前文之后看到它的意外程度。"
              "**平均惊讶度就是交叉熵损失**（训练时要降低的那个数），**困惑度 = e^损失**："
              "模型的不确定程度相当于在这么多个词元中均匀地随机挑一个。",
    },
    "samp.surprisal_text": {"en": "Text to score", "zh": "要打分的文字"},
    "samp.default_surprisal": {
        "en": "I HAD always thought Jack Gisburn rather a cheap genius--though a good fellow "
              "enough--so it was no great surprise to me to hear that, in the height of his glory, "
              "he had dropped his painting.",
        "zh": "I HAD always thought Jack Gisburn rather a cheap genius--though a good fellow "
              "enough--so it was no great surprise to me to hear that, in the height of his glory, "
              "he had dropped his painting.",
    },
    "samp.score": {"en": "Colour by surprisal", "zh": "按惊讶度上色"},
    "samp.surprisal_summary": {
        "en": "**{n:,}** predictions · average loss (cross-entropy) **{loss:.3f} nats** · perplexity "
              "**{ppl:,.1f}**. A uniform guess over all {vocab:,} tokens scores ln {vocab:,} = "
              "{uniform:.2f} nats (perplexity {vocab:,}). Most surprising: {worst} ({worst_nats:.2f} nats).",
        "zh": "共 **{n:,}** 次预测 · 平均损失（交叉熵）**{loss:.3f} 纳特** · 困惑度 **{ppl:,.1f}**。"
              "在全部 {vocab:,} 个词元中均匀乱猜的损失是 ln {vocab:,} = {uniform:.2f} 纳特（困惑度 {vocab:,}）。"
              "最意外的词元：{worst}（{worst_nats:.2f} 纳特）。",
    },
    "samp.surprisal_windows": {
        "en": "The text is longer than the model's context of {context:,} tokens: it was scored in "
              "{windows} windows, and a token at the start of a window sees only that window before it.",
        "zh": "文字超过了模型 {context:,} 个词元的上下文：已分成 {windows} 段打分，"
              "每段开头的词元只能看到本段里它前面的内容。",
    },
    "samp.legend_low": {"en": "0 nats: certain", "zh": "0 纳特：毫不意外"},
    "samp.legend_high": {"en": "≥ {high:.1f} nats (ln of the vocabulary: a uniform guess)",
                         "zh": "≥ {high:.1f} 纳特（词表大小的对数：均匀乱猜）"},
    "samp.first_token": {"en": "the first token: nothing before it to predict it from",
                         "zh": "第一个词元：前面没有内容可以用来预测它"},
    "samp.token_tip": {"en": "−ln p = {nats:.2f} nats · p = {p:.2%}",
                       "zh": "−ln p = {nats:.2f} 纳特 · p = {p:.2%}"},
    # --- distribution summary ---
    "samp.drawn": {
        "en": "Drawn: {token} (id {id}, rank {rank:,} of {vocab:,}, probability {p:.1%} after "
              "the filters).",
        "zh": "抽中：{token}（id {id}，在 {vocab:,} 个中排第 {rank:,}，过滤后的概率 {p:.1%}）。",
    },
    "samp.kept": {
        "en": "Top-k keeps {k:,} of {vocab:,} tokens; top-p then keeps {p:,}: the draw picks among these.",
        "zh": "top-k 保留了 {vocab:,} 个中的 {k:,} 个；top-p 再保留 {p:,} 个：抽取就在这些里面进行。",
    },
    "samp.entropies": {
        "en": "Entropy (how spread out the guess is): {plain:.2f} nats at T = 1 → {tempered:.2f} at "
              "T = {temperature:g} → {final:.2f} after top-k/top-p. The most it can be is ln {vocab:,} "
              "= {max:.2f} (all tokens equally likely).",
        "zh": "熵（猜测有多分散）：T = 1 时 {plain:.2f} 纳特 → T = {temperature:g} 时 {tempered:.2f} → "
              "top-k/top-p 之后 {final:.2f}。最大可能值是 ln {vocab:,} = {max:.2f}（所有词元一样可能）。",
    },
    "samp.greedy": {
        "en": "Temperature 0 = **greedy decoding**: the most likely token is always taken, so top-k, "
              "top-p and the seed change nothing.",
        "zh": "温度 0 = **贪心解码**：总是取最可能的词元，所以 top-k、top-p 和随机种子都不起作用。",
    },
    # --- notices ---
    "samp.notice.converted": {
        "en": "This Tang model learned **traditional** characters, so your prompt was converted "
              "(simplified → traditional): {before} → {after}",
        "zh": "这个唐诗模型学的是**繁体字**，所以提示词已从简体转换为繁体：{before} → {after}",
    },
    "samp.notice.no_opencc": {
        "en": "Simplified characters could not be converted for this Tang model: {reason}",
        "zh": "无法为这个唐诗模型转换简体字：{reason}",
    },
    "samp.notice.unknown": {
        "en": "{n} piece(s) are not in this model's vocabulary and were skipped: {pieces}",
        "zh": "有 {n} 个片段不在这个模型的词表里，已跳过：{pieces}",
    },
    "samp.notice.cut": {
        "en": "The prompt is {n:,} tokens but the model's context is {context:,}: only the last "
              "{context:,} tokens are used ({cut:,} cut from the start).",
        "zh": "提示词有 {n:,} 个词元，而模型的上下文只有 {context:,}：只用最后 {context:,} 个词元"
              "（开头删去了 {cut:,} 个）。",
    },
    "samp.notice.eos": {
        "en": "The model drew its end-of-text token after {n} token(s), so the text stops there.",
        "zh": "模型在 {n} 个词元后抽到了“文本结束”词元，所以文字到此为止。",
    },
    # --- errors ---
    "samp.err.empty": {"en": "Please type a prompt first.", "zh": "请先输入提示词。"},
    "samp.err.empty_text": {"en": "Please type a text to score first.", "zh": "请先输入要打分的文字。"},
    "samp.err.not_text": {"en": "The prompt must be text.", "zh": "提示词必须是文字。"},
    "samp.err.too_long": {
        "en": "The text is too long ({n:,} characters): at most {limit:,} here.",
        "zh": "文字太长（{n:,} 个字符）：这里最多 {limit:,} 个。",
    },
    "samp.err.nothing_left": {
        "en": "None of this text is in the model's vocabulary ({pieces}): there is nothing left to "
              "feed it. Try characters or words from its training text.",
        "zh": "这段文字没有一个在模型的词表里（{pieces}）：没有可以输入给模型的内容。"
              "请使用它训练语料里的字或词。",
    },
    "samp.err.two_tokens": {
        "en": "The text must be at least two tokens long: the first token has nothing before it "
              "to be predicted from.",
        "zh": "文字至少要有两个词元：第一个词元前面没有内容，无法被预测。",
    },
    "err.range": {
        "en": "{name} must be a number from {low:g} to {high:g}, got {value!r}.",
        "zh": "{name} 必须是 {low:g} 到 {high:g} 之间的数，收到的是 {value!r}。",
    },
    "err.whole": {
        "en": "{name} must be a whole number from {low:,} to {high:,}, got {value!r}.",
        "zh": "{name} 必须是 {low:,} 到 {high:,} 之间的整数，收到的是 {value!r}。",
    },
    "samp.name.temperature": {"en": "temperature", "zh": "温度"},
    "samp.name.top_k": {"en": "top-k", "zh": "top-k"},
    "samp.name.top_p": {"en": "top-p", "zh": "top-p"},
    "samp.name.seed": {"en": "seed", "zh": "随机种子"},
    "samp.name.bars": {"en": "tokens shown", "zh": "显示的词元数"},
    "samp.name.n_tokens": {"en": "tokens to generate", "zh": "生成的词元数"},
    # --- chart ---
    "samp.plot.title": {"en": "Next token: probability of the {n} likeliest",
                        "zh": "下一个词元：最可能的 {n} 个的概率"},
    "samp.plot.plain": {"en": "T = 1 (entropy {h:.2f} nats)", "zh": "T = 1（熵 {h:.2f} 纳特）"},
    "samp.plot.tempered": {"en": "T = {temperature:g} (entropy {h:.2f} nats)",
                           "zh": "T = {temperature:g}（熵 {h:.2f} 纳特）"},
    "samp.plot.greedy": {"en": "T = 0, greedy (entropy 0)", "zh": "T = 0，贪心（熵 0）"},
    "samp.plot.cut_k": {"en": "removed by top-k", "zh": "被 top-k 去掉"},
    "samp.plot.cut_p": {"en": "removed by top-p", "zh": "被 top-p 去掉"},
    "samp.plot.cumulative": {"en": "cumulative probability (what top-p reads)",
                             "zh": "累计概率（top-p 读的就是它）"},
    "samp.plot.top_p_line": {"en": "top-p = {p:g}", "zh": "top-p = {p:g}"},
    "samp.plot.top_k_line": {"en": "top-k = {k}", "zh": "top-k = {k}"},
    "samp.plot.drawn": {"en": "drawn", "zh": "抽中"},
    "samp.plot.prob": {"en": "probability", "zh": "概率"},
    "samp.plot.cum_axis": {"en": "cumulative", "zh": "累计"},
    "samp.plot.token": {"en": "next token (most likely first)", "zh": "下一个词元（按可能性从高到低）"},
    "samp.plot.hover": {
        "en": "{token}<br>id {id} · rank {rank:,}<br>T = 1: {plain:.2%}<br>"
              "T = {temperature:g}: {tempered:.2%}<br>after the filters: {final:.2%}",
        "zh": "{token}<br>id {id} · 排名 {rank:,}<br>T = 1：{plain:.2%}<br>"
              "T = {temperature:g}：{tempered:.2%}<br>过滤后：{final:.2%}",
    },
    # --- gradient-descent lab ---
    "gd.tab": {"en": "Gradient descent", "zh": "梯度下降"},
    "gd.intro": {
        "en": "Training is a loop of *guess, measure, nudge*. Here the model has **one weight a** "
              "and draws the line **y = a·x** through points that lie near **y = 2x**. We start "
              "from a guess (a = 1) and measure how wrong the line is with the **loss** "
              "L(a) = mean of (yᵢ − a·xᵢ)², a parabola in a whose lowest point is the best a "
              "(near 2). Its **slope** dL/da = 2a·mean(x²) − 2·mean(x·y) says which way is "
              "downhill, and each step moves **a ← a − η·slope**, η being the **learning rate**. "
              "(The mean, not the sum Σ: the same parabola divided by the number of points, "
              "so the bottom is at the same a.)",
        "zh": "训练就是一个“猜测、衡量、微调”的循环。这里的模型只有**一个参数 a**，"
              "用直线 **y = a·x** 去拟合大致落在 **y = 2x** 上的点。先猜一个值（a = 1），"
              "再用**损失** L(a) = (yᵢ − a·xᵢ)² 的平均值衡量这条线错得有多远：它是关于 a 的一条抛物线，"
              "最低点就是最好的 a（接近 2）。它的**斜率** dL/da = 2a·mean(x²) − 2·mean(x·y) "
              "指出哪边是下坡，每一步更新 **a ← a − η·斜率**，η 就是**学习率**。"
              "（这里用平均值而不是求和 Σ：同一条抛物线除以点的个数，最低点的 a 不变。）",
    },
    "gd.lr": {"en": "learning rate η", "zh": "学习率 η"},
    "gd.lr_info": {
        "en": "Above the critical rate 1/mean(x²) = {crit:.3f} every full-batch step overshoots "
              "further than it started: a diverges.",
        "zh": "超过临界学习率 1/mean(x²) = {crit:.3f} 时，每个全批量步骤都会冲过头、"
              "离最低点越来越远：a 发散。",
    },
    "gd.batch": {"en": "batch size (points per step)", "zh": "批量大小（每步用几个点）"},
    "gd.batch_info": {
        "en": "{n} = all points (full batch); fewer = a mini-batch of randomly chosen points.",
        "zh": "{n} = 全部点（全批量）；更少 = 每步随机挑选的小批量。",
    },
    "gd.a0": {"en": "starting guess a₀", "zh": "初始猜测 a₀"},
    "gd.steps": {"en": "steps", "zh": "步数"},
    "gd.noise": {"en": "noise in the points", "zh": "数据点的噪声"},
    "gd.noise_info": {
        "en": "y = 2x + noise. With noise, the best a is near 2 rather than exactly 2.",
        "zh": "y = 2x + 噪声。有噪声时，最好的 a 接近 2，而不正好是 2。",
    },
    "gd.seed": {"en": "seed (which points each mini-batch picks)",
                "zh": "随机种子（决定每个小批量挑哪些点）"},
    "gd.run": {"en": "Run gradient descent", "zh": "运行梯度下降"},
    "gd.plot": {"en": "Gradient descent, step by step", "zh": "梯度下降，一步一步"},
    # --- the figure ---
    "gd.plot.loss_title": {"en": "Loss L(a) = mean (y − a·x)²", "zh": "损失 L(a) = mean (y − a·x)²"},
    "gd.plot.line_title": {"en": "The points and the line y = a·x", "zh": "数据点与直线 y = a·x"},
    "gd.plot.parabola": {"en": "loss L(a)", "zh": "损失 L(a)"},
    "gd.plot.best": {"en": "lowest point a*", "zh": "最低点 a*"},
    "gd.plot.path": {"en": "path of a", "zh": "a 的路径"},
    "gd.plot.route": {"en": "whole route (hover: each step)", "zh": "完整路径（悬停看每一步）"},
    "gd.plot.now": {"en": "a now", "zh": "当前的 a"},
    "gd.plot.points": {"en": "points", "zh": "数据点"},
    "gd.plot.batch": {"en": "this step's batch", "zh": "本步的批量"},
    "gd.plot.true_line": {"en": "y = 2x", "zh": "y = 2x"},
    "gd.plot.fit": {"en": "y = a·x", "zh": "y = a·x"},
    "gd.plot.frame_title": {
        "en": "step {step} of {steps} · a = {a} · loss = {loss}",
        "zh": "第 {step} / {steps} 步 · a = {a} · 损失 = {loss}",
    },
    "gd.plot.hover": {
        "en": "step %{customdata[0]}<br>a = %{x:.4f}<br>loss = %{y:.4g}<br>slope used = %{customdata[1]}",
        "zh": "第 %{customdata[0]} 步<br>a = %{x:.4f}<br>损失 = %{y:.4g}<br>所用斜率 = %{customdata[1]}",
    },
    "gd.plot.play": {"en": "▶ play", "zh": "▶ 播放"},
    "gd.plot.pause": {"en": "❚❚ pause", "zh": "❚❚ 暂停"},
    "gd.plot.slider": {"en": "step ", "zh": "步 "},
    # --- the verdict under the figure ---
    "gd.status.converged": {
        "en": "**Converged.** After {steps} steps a = {a:.4f}, at the lowest point a* = {best:.4f} "
              "(loss {loss:.4f}). η = {lr:g} is below the critical rate {crit:.3f}: each full-batch "
              "step multiplies the distance to the bottom by 1 − 2η·mean(x²) = {factor:.2f}, "
              "so it shrinks every step.",
        "zh": "**已收敛。** {steps} 步之后 a = {a:.4f}，到了最低点 a* = {best:.4f}"
              "（损失 {loss:.4f}）。η = {lr:g} 低于临界学习率 {crit:.3f}：每个全批量步骤把到最低点的距离"
              "乘以 1 − 2η·mean(x²) = {factor:.2f}，所以距离一步步缩小。",
    },
    "gd.status.near": {
        "en": "**Near the bottom.** After {steps} steps a = {a:.4f}; the lowest point is "
              "a* = {best:.4f} (loss {loss:.4f}). Each step used only {b} of the {n} points, so "
              "its slope is a noisy estimate of the true one: a gets close, then keeps jiggling "
              "around a*. More points per batch, less jiggle.",
        "zh": "**接近最低点。** {steps} 步之后 a = {a:.4f}；最低点 a* = {best:.4f}"
              "（损失 {loss:.4f}）。每一步只用了 {n} 个点中的 {b} 个，所以斜率只是真实斜率的带噪声估计："
              "a 会靠近最低点，然后在 a* 附近来回晃动。每批的点越多，晃动越小。",
    },
    "gd.status.slow": {
        "en": "**Not there yet.** After {steps} steps a = {a:.4f}, still {dist:.3g} from the "
              "lowest point a* = {best:.4f} (loss {loss:.4f}). Take more steps, or a larger η "
              "(below the critical rate {crit:.3f}).",
        "zh": "**还没到。** {steps} 步之后 a = {a:.4f}，离最低点 a* = {best:.4f} 还差 {dist:.3g}"
              "（损失 {loss:.4f}）。多走几步，或者用更大的 η（但要低于临界学习率 {crit:.3f}）。",
    },
    "gd.status.growing": {
        "en": "**Running away.** After {steps} steps a = {a:.4g} and the loss {loss:.4g} is "
              "larger than at the start ({loss0:.4g}). η = {lr:g} is above the critical rate "
              "{crit:.3f}: each step multiplies the distance to the bottom by "
              "1 − 2η·mean(x²) = {factor:.2f}, more than 1 in size, so a jumps over the bottom "
              "and lands further away each time. Given more steps it diverges.",
        "zh": "**越跑越远。** {steps} 步之后 a = {a:.4g}，损失 {loss:.4g} 比开始时（{loss0:.4g}）还大。"
              "η = {lr:g} 高于临界学习率 {crit:.3f}：每一步把到最低点的距离乘以 "
              "1 − 2η·mean(x²) = {factor:.2f}，绝对值大于 1，所以 a 每次都跳过最低点、落得更远。"
              "再多走几步就会发散。",
    },
    "gd.status.diverged": {
        "en": "**Diverged at step {step}.** a reached {a:.3g} and the run stopped. "
              "η = {lr:g} is above the critical rate 1/mean(x²) = {crit:.3f}: the step is so "
              "large that a jumps over the bottom of the parabola and lands higher up on the "
              "other side, where the slope is steeper, so the next jump is larger still "
              "(the distance is multiplied by {factor:.2f} every step). Try η below {crit:.3f}.",
        "zh": "**在第 {step} 步发散。** a 到了 {a:.3g}，运行停止。η = {lr:g} 高于临界学习率 "
              "1/mean(x²) = {crit:.3f}：步子太大，a 跳过抛物线的最低点，落在另一侧更高的地方，"
              "那里斜率更陡，于是下一跳更大（距离每步乘以 {factor:.2f}）。试试低于 {crit:.3f} 的 η。",
    },
    "gd.status.diverged_batch": {
        "en": "**Diverged at step {step}.** a reached {a:.3g} and the run stopped. η = {lr:g} "
              "is below the full-batch critical rate {crit:.3f}, but a mini-batch of {b} points "
              "has its own parabola: when the batch holds large x values it is steeper and its "
              "critical rate is smaller, so those steps overshoot. Lower η or use larger batches.",
        "zh": "**在第 {step} 步发散。** a 到了 {a:.3g}，运行停止。η = {lr:g} 低于全批量的临界学习率 "
              "{crit:.3f}，但 {b} 个点的小批量有自己的抛物线：批量里 x 较大时抛物线更陡、临界学习率更小，"
              "这些步骤就会冲过头。调低 η，或用更大的批量。",
    },
    # --- next-token pairs ---
    "gd.pairs_title": {
        "en": "### From a sentence to training examples\n"
              "A GPT is trained the same way, only with billions of weights: its loss measures "
              "how badly it predicts the **next token**, and gradient descent nudges every weight "
              "downhill, one mini-batch at a time. The examples come from plain text: every "
              "prefix of a sentence is a context, the character after it is the answer.",
        "zh": "### 从一句话到训练样本\n"
              "GPT 的训练方式完全相同，只是参数有几十亿个：损失衡量它预测**下一个词元**有多差，"
              "梯度下降把每个参数往下坡方向推一点，一次一个小批量。样本来自普通文本："
              "句子的每个前缀都是一个上下文，紧跟其后的字就是答案。",
    },
    "gd.sentence": {"en": "Sentence", "zh": "句子"},
    "gd.default_sentence": {"en": "今天天气很好", "zh": "今天天气很好"},
    "gd.pairs_btn": {"en": "Make examples", "zh": "生成样本"},
    "gd.col_n": {"en": "#", "zh": "#"},
    "gd.col_context": {"en": "context (what the model reads)", "zh": "上下文（模型读到的）"},
    "gd.col_next": {"en": "next token (what it should predict)", "zh": "下一个词元（应该预测的）"},
    "gd.pairs_table": {"en": "Training examples: context → next token",
                       "zh": "训练样本：上下文 → 下一个词元"},
    # --- errors ---
    "gd.err.lr": {
        "en": "The learning rate must be a number above 0 (at most {high}), got {value!r}: "
              "with η = 0 a never moves.",
        "zh": "学习率必须是大于 0 的数（最大 {high}），收到的是 {value!r}：η = 0 时 a 永远不会动。",
    },
    "gd.err.empty_sentence": {"en": "Type a sentence first: it is empty.",
                              "zh": "请先输入一个句子：现在是空的。"},
    "gd.err.too_long": {
        "en": "The sentence has {n} characters; at most {limit} fit in the table.",
        "zh": "这个句子有 {n} 个字符；表格最多放 {limit} 个。",
    },
    # --- stories: what each corpus shows on a small machine (the Tang story, issue 24) ---
    "story.the-verdict": {
        "en": "**What to expect:** words within ~15 s; then **overfitting** inside a minute "
              "(training loss keeps falling, validation loss turns up) and the samples quote the book.",
        "zh": "**会看到什么：** 约 15 秒内出现单词；一分钟内出现**过拟合**"
              "（训练损失继续下降，验证损失回升），生成的文字开始照抄原书。",
    },
    "story.tiny-shakespeare": {
        "en": "**What to expect:** names and line breaks first, then short real words within "
              "about a minute; verse-like lines after a few minutes. It keeps going until you stop it.",
        "zh": "**会看到什么：** 先出现人名和换行，大约一分钟内出现真正的短单词；几分钟后像诗行一样。"
              "会一直训练，直到你按停止。",
    },
    "story.tang-five": {
        "en": "**What to expect:** it learns from the 13,427 five-character poems (五言) of the "
              "tutorial's pretraining half, so every line has one shape. Punctuation first, then lines "
              "of two five-character clauses (“XXXXX，XXXXX。”) within about two minutes, one poem per "
              "title. Characters rarer than 5 times read as □. It keeps going until you stop it.",
        "zh": "**会看到什么：** 用教程预训练部分中的 13,427 首五言诗训练，每一行都是同一种格式。"
              "先学会标点，大约两分钟内写出“XXXXX，XXXXX。”这样的五言句，每个题目一首诗。"
              "出现不到 5 次的生僻字显示为 □。会一直训练，直到你按停止。",
    },
    "story.tang": {
        "en": "**What to expect:** the tutorial's own recipe: all 23,728 poems of its pretraining half, "
              "its 8,548 characters and its model (4 layers of 64, context 256, batch 16, lr 1e-3). "
              "A slow start: couplets take many minutes here. The five-character story shows them sooner.",
        "zh": "**会看到什么：** 教程的原始配方：预训练部分的全部 23,728 首诗、8,548 个字，以及教程的模型"
              "（4 层、64 维、上下文 256、批大小 16、学习率 1e-3）。起步慢：这里要很多分钟才写出对句。"
              "五言诗的故事会更快看到。",
    },
    "story.own-text": {
        "en": "**What to expect:** a character model of your text: frequent characters first, "
              "then its words. Small texts overfit quickly.",
        "zh": "**会看到什么：** 你的文本的字符模型：先学会常见字符，再学会其中的词。文本太小会很快过拟合。",
    },
    "corpus.tang-five": {"en": "Tang poems, five characters a line: the two-minute story",
                         "zh": "唐诗：五言诗（两分钟的故事）"},
    "pre.sampling": {"en": "drawn at temperature {temperature:g}, top-k {top_k}",
                     "zh": "采样温度 {temperature:g}，top-k {top_k}"},
    "pre.sampling_poem": {"en": "; one poem per title, from the title to the model's own blank line",
                          "zh": "；每个题目一首诗，从题目写到模型自己写出的空行为止"},
    "preset.shakespeare-char": {"en": "Shakespeare, characters (words within a minute)",
                                "zh": "莎士比亚字符模型（一分钟内出单词）"},
    "pre.process": {"en": "job {id}, process {pid}", "zh": "任务 {id}，进程 {pid}"},
    "pre.steps_info": {"en": "the step budget: the run stops here at the latest (its ETA shows while it trains)",
                       "zh": "步数预算：最多训练到这里（训练时显示预计剩余时间）"},
    "pre.prompt": {"en": "sample prompt", "zh": "样例提示词"},
    "pre.prompt_info": {"en": "each sample starts from this text, with the same seed every time "
                              "(Tang poems: one title a line, a poem for each)",
                        "zh": "每个样例都从这段文字开始，每次用同一个种子（唐诗：每行一个题目，每个题目写一首诗）"},
    "pre.no_samples": {"en": "Samples appear here as the model trains.", "zh": "训练开始后，生成样例会显示在这里。"},
    "pre.err.inputs": {"en": "Setting(s) missing: {names}.", "zh": "缺少设置：{names}。"},
    "pre.err.tokenizer": {"en": "Unknown tokenizer {kind!r}.", "zh": "未知的分词器 {kind!r}。"},
    "pre.err.preset": {"en": "Unknown preset {preset!r}.", "zh": "未知的预设 {preset!r}。"},
    "pre.err.corpus": {"en": "Unknown training text {corpus!r}.", "zh": "未知的训练语料 {corpus!r}。"},
    "pre.err.nothing_loaded": {"en": "Load a checkpoint first (or untick “continue”).",
                               "zh": "请先加载检查点（或取消勾选“继续训练”）。"},
    "pre.err.save": {"en": "The checkpoint could not be saved: {reason}", "zh": "检查点保存失败：{reason}"},
    "plot.train": {"en": "training", "zh": "训练"},
    "plot.val": {"en": "validation", "zh": "验证"},
    "tok.empty_hint": {"en": "Type some text above to see its tokens.", "zh": "在上面输入文字，就能看到它的词元。"},
    "tok.err.source": {"en": "Unknown character vocabulary {source!r}.", "zh": "未知的字符表 {source!r}。"},
    "samp.err.settings": {"en": "The comparison takes {n} settings of three values each.",
                          "zh": "对比需要 {n} 组设置，每组三个值。"},
    "picker.err.not_ready": {"en": "Your training job has no weights yet (still queued or starting): try again in a moment.",
                             "zh": "你的训练任务还没有权重（仍在排队或正在启动）：请稍后再试。"},
    "picker.err.kind_lm": {"en": "This tab needs a language model (one that predicts tokens), not a classifier.",
                           "zh": "这个页面需要语言模型（预测词元的模型），而不是分类器。"},
    "picker.err.kind_classifier": {"en": "This tab needs a classifier: fine-tune one above first.",
                                   "zh": "这个页面需要一个分类器：请先在上面微调一个。"},
    "err.no_session": {"en": "No session: reload the page.", "zh": "没有会话：请刷新页面。"},
    "err.job_busy": {"en": "You already have a training job: stop it first (one job per learner at a time).",
                     "zh": "你已经有一个训练任务：请先停止它（每人同时只能有一个任务）。"},
    "err.job_too_big": {
        "en": "This run would need about {total} of memory (weights {weights}, optimizer {optimizer}, "
              "activations {activations}) but only {free} is free: {fits}.",
        "zh": "这次训练大约需要 {total} 内存（权重 {weights}，优化器 {optimizer}，激活值 {activations}），"
              "但只有 {free} 可用：{fits}。",
    },
    "err.job_fits": {"en": "a batch size of at most {batch} would fit", "zh": "批大小最多 {batch} 才放得下"},
    "err.job_fits_none": {"en": "choose a smaller model or a shorter context",
                          "zh": "请选择更小的模型或更短的上下文"},
    "err.unexpected": {"en": "Something went wrong ({kind}); the error was logged. Try again, or change the settings.",
                       "zh": "出了点问题（{kind}），错误已记录。请重试或修改设置。"},
    # --- attention and positions tab ---
    "att.tab": {"en": "Attention", "zh": "注意力"},
    "att.intro": {
        "en": "In every layer each **head** lets every token look back at the tokens before it "
              "and mix in what it finds: the **attention weights** say how much of each earlier "
              "token it takes (each row sums to 1; the grey triangle is the causal mask: no "
              "token may look ahead). Type a prompt and see every layer × head at once, enlarge "
              "one, or average a layer's heads. Patterns to look for: the diagonal (a token "
              "attends to itself), the line just below it (the previous token), and a first "
              "column that lights up (heads parking attention on the first token).",
        "zh": "每一层的每个**注意力头**都让每个词元回看它之前的词元，并把看到的内容混合进来："
              "**注意力权重**表示从每个更早的词元取多少（每行之和为 1；灰色三角是因果掩码：任何词元都不能往后看）。"
              "输入提示词，一次看到所有层 × 头，放大其中一个，或对一层的头取平均。可以找这些模式："
              "对角线（词元关注自己）、紧挨对角线下方的一条线（前一个词元），以及亮起来的第一列"
              "（把注意力“停放”在第一个词元上的头）。",
    },
    "att.prompt": {"en": "Prompt", "zh": "提示词"},
    "att.default_prompt": {"en": "I had always thought Jack Gisburn rather a cheap genius",
                           "zh": "I had always thought Jack Gisburn rather a cheap genius"},
    "att.layer": {"en": "layer (from 0)", "zh": "层（从 0 开始）"},
    "att.head": {"en": "head (from 0)", "zh": "头（从 0 开始）"},
    "att.average": {"en": "average the heads of each layer", "zh": "对每层的所有头取平均"},
    "att.show": {"en": "Show attention", "zh": "显示注意力"},
    "att.grid": {"en": "Every layer × head", "zh": "所有层 × 头"},
    "att.zoom_label": {"en": "One head, enlarged", "zh": "放大的一个头"},
    "att.zoom": {"en": "Layer {layer}, head {head}", "zh": "第 {layer} 层，第 {head} 个头"},
    "att.zoom_avg": {"en": "Layer {layer}, all heads averaged", "zh": "第 {layer} 层，所有头的平均"},
    "att.pattern_line": {
        "en": "Layer {layer}, head {head} sends **{first:.0%}** of its attention to the first token, "
              "**{previous:.0%}** to the previous token and **{itself:.0%}** to the token itself "
              "(averaged over the queries).",
        "zh": "第 {layer} 层第 {head} 个头把 **{first:.0%}** 的注意力给了第一个词元，**{previous:.0%}** "
              "给了前一个词元，**{itself:.0%}** 给了自己（对所有查询取平均）。",
    },
    "att.top_previous": {"en": "Most \"previous-token\" head: layer {layer}, head {head} ({share:.0%}).",
                         "zh": "最像“前一个词元”头的：第 {layer} 层第 {head} 个头（{share:.0%}）。"},
    "att.top_first": {"en": "Head that leans most on the first token: layer {layer}, head {head} ({share:.0%}). "
                            "The first token is seen by every query, so a head with nothing useful to "
                            "find parks its attention there.",
                      "zh": "最依赖第一个词元的头：第 {layer} 层第 {head} 个头（{share:.0%}）。每个查询都能看到第一个词元，"
                            "所以找不到有用信息的头会把注意力停放在那里。"},
    "att.caveat": {"en": "*Attention shows where information can flow, not why the model decides "
                         "what it does: it is a clue, not an explanation.*",
                   "zh": "*注意力显示的是信息可以从哪里流过来，而不是模型为什么这样决定：它是线索，不是解释。*"},
    "att.one_token": {"en": "One token: it can only look at itself.", "zh": "只有一个词元：它只能看自己。"},
    "att.notice.clamped": {"en": "This model has no {name} {value}: showing {top}, its last one.",
                           "zh": "这个模型没有{name} {value}：改为显示最后一个 {top}。"},
    "att.timelapse_title": {
        "en": "### Attention while training\nA training job from the Pretrain tab photographs the "
              "attention of a fixed probe text every few steps. Move the slider to watch the "
              "patterns form as the loss falls (it follows the newest snapshot while at the right end).",
        "zh": "### 训练中的注意力\n“预训练”页的训练任务每隔几步给一段固定的探测文本的注意力拍一张快照。"
              "拖动滑块，看模式如何随着损失下降而形成（滑块在最右端时会跟随最新的快照）。",
    },
    "att.snapshot_slider": {"en": "snapshot", "zh": "快照"},
    "att.no_job": {"en": "No training job yet: start one in the Pretrain tab, then come back.",
                   "zh": "还没有训练任务：请先在“预训练”页开始训练，再回来看。"},
    "att.no_snapshots": {"en": "Your job has no attention snapshots yet: they come every few steps.",
                         "zh": "你的任务还没有注意力快照：每隔几步会拍一张。"},
    "att.snapshot": {"en": "Snapshot {i} of {n}, at step {step:,}{loss}.", "zh": "第 {i} / {n} 张快照，第 {step:,} 步{loss}。"},
    "att.class_run": {"en": "The class run (you have no job of your own):",
                      "zh": "全班训练（你自己没有任务）："},
    "att.snapshot_loss": {"en": " (validation loss {loss:.3f})", "zh": "（验证损失 {loss:.3f}）"},
    "att.pe_intro": {
        "en": "### Where is a token? Positional encodings\nAttention alone ignores order, so each "
              "position adds a vector to its token. GPT-2 **learns** one per position; the original "
              "Transformer **computes** them: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = "
              "cos(…). Low dimensions wave fast, high ones slowly, so every position has its own "
              "pattern, and the dot product of two positions depends only on their distance: the "
              "bright band along the diagonal of the similarity map. Compare it with what a GPT "
              "learned (an untrained model's positions are random noise).",
        "zh": "### 词元在哪里？位置编码\n仅靠注意力无法区分顺序，所以每个位置都给它的词元加上一个向量。"
              "GPT-2 为每个位置**学习**一个向量；最初的 Transformer 则**计算**它们：PE[pos, 2i] = "
              "sin(pos / 10000^(2i/d))，PE[pos, 2i+1] = cos(…)。低维波动得快，高维波动得慢，所以每个位置"
              "都有自己的图案，而两个位置的点积只取决于它们的距离：相似度图对角线上的亮带。"
              "把它和 GPT 学到的比较一下（未训练模型的位置向量只是随机噪声）。",
    },
    "att.positions": {"en": "positions", "zh": "位置数"},
    "att.dims": {"en": "dimensions d", "zh": "维度 d"},
    "att.waves": {"en": "dimensions to draw as waves (up to 8, comma-separated)",
                  "zh": "画成波形的维度（最多 8 个，用逗号分隔）"},
    "att.pe_show": {"en": "Show positional encodings", "zh": "显示位置编码"},
    "att.pe_label": {"en": "Sinusoidal encoding", "zh": "正弦位置编码"},
    "att.waves_label": {"en": "Waves", "zh": "波形"},
    "att.sim_label": {"en": "Similarity of positions", "zh": "位置之间的相似度"},
    "att.learned_label": {"en": "Learned position embeddings", "zh": "学习到的位置嵌入"},
    "att.learned_sim_label": {"en": "Their similarity", "zh": "它们的相似度"},
    "att.pe_title": {"en": "sin/cos encoding: {n} positions × {d} dimensions",
                     "zh": "正弦/余弦编码：{n} 个位置 × {d} 维"},
    "att.waves_title": {"en": "Each dimension is a wave over the positions", "zh": "每个维度都是随位置变化的波"},
    "att.sim_title": {"en": "Dot product of two positions' encodings", "zh": "两个位置编码的点积"},
    "att.learned_title": {"en": "Learned: {label} · {n} positions × {d} dimensions",
                          "zh": "学习到的：{label} · {n} 个位置 × {d} 维"},
    "att.learned_sim_title": {"en": "Dot product of two learned position vectors",
                              "zh": "两个学习到的位置向量的点积"},
    "att.learned_note": {"en": "This model has a context of {context} positions: only {n} are shown.",
                         "zh": "这个模型的上下文只有 {context} 个位置：只显示 {n} 个。"},
    "att.err.odd": {"en": "The number of dimensions must be even: sine and cosine come in pairs.",
                    "zh": "维度数必须是偶数：正弦和余弦成对出现。"},
    "att.err.dims": {"en": "Give up to 8 dimensions from 0 to {d}, separated by commas (e.g. 0, 1, 6).",
                     "zh": "请给出最多 8 个 0 到 {d} 之间的维度，用逗号分隔（例如 0, 1, 6）。"},
    "att.plot.weight": {"en": "weight", "zh": "权重"},
    "att.plot.grid_hover": {"en": "weight %{z:.3f}", "zh": "权重 %{z:.3f}"},
    "att.plot.grid_title": {"en": "{layers} layers × {heads} heads · {tokens} tokens",
                            "zh": "{layers} 层 × {heads} 个头 · {tokens} 个词元"},
    "att.plot.grid_title_avg": {"en": "{layers} layers, heads averaged · {tokens} tokens",
                                "zh": "{layers} 层，头取平均 · {tokens} 个词元"},
    "att.plot.at_step": {"en": "step {step:,}", "zh": "第 {step:,} 步"},
    "att.plot.heads_axis": {"en": "head", "zh": "头"},
    "att.plot.layers_axis": {"en": "layer", "zh": "层"},
    "att.plot.keys_axis": {"en": "key: the token looked at", "zh": "键：被关注的词元"},
    "att.plot.queries_axis": {"en": "query: the token looking", "zh": "查询：正在看的词元"},
    "att.plot.cell_hover": {"en": "{query} looks at {looked_at}<br>weight {value:.3f}",
                            "zh": "{query} 看向 {looked_at}<br>权重 {value:.3f}"},
    "att.plot.masked_hover": {"en": "masked: a token may not look ahead", "zh": "被掩码：词元不能往后看"},
    "att.plot.pe_hover": {"en": "position %{y}, dimension %{x}: %{z:.3f}", "zh": "位置 %{y}，维度 %{x}：%{z:.3f}"},
    "att.plot.sim_hover": {"en": "positions %{y} and %{x}: %{z:.3f}", "zh": "位置 %{y} 与 %{x}：%{z:.3f}"},
    "att.plot.dims_axis": {"en": "dimension", "zh": "维度"},
    "att.plot.positions_axis": {"en": "position", "zh": "位置"},
    "att.plot.value": {"en": "value", "zh": "值"},
    "att.plot.dim": {"en": "dimension {dim}", "zh": "维度 {dim}"},
    # --- inside the GPT tab (and the book's word tokenizer in the tokenizer tab) ---
    "tok.words": {"en": "Words (the book's simple tokenizer)", "zh": "单词（书中的简单分词器）"},
    "tok.words_count": {"en": "**{words}** word tokens from a vocabulary of {vocab:,}",
                        "zh": "**{words}** 个单词词元（词表共 {vocab:,} 个）"},
    "tok.words_unknown": {
        "en": "⚠ {n} word(s) are not in the word vocabulary and become <|unk|> (shown in red): {words}",
        "zh": "⚠ 有 {n} 个单词不在词表里，会变成 <|unk|>（红色标出）：{words}",
    },
    "picker.twin": {"en": "untrained twin of {label}", "zh": "{label} 的未训练双胞胎"},
    "inside.tab": {"en": "Inside the GPT", "zh": "GPT 内部"},
    "inside.intro": {
        "en": "How a GPT works, piece by piece, with the real numbers of the model you pick: your "
              "own, GPT-2, or an untrained one. Every number below is one the model itself "
              "computed (its step-by-step teaching path). The sections that trace the model take "
              "at most 64 tokens of the text.",
        "zh": "逐个部件看 GPT 如何工作，用的是你所选模型的真实数值：你自己的模型、GPT-2 或未训练的模型。"
              "下面每个数字都是模型自己（按逐步展开的教学路径）算出来的。需要追踪模型的部分最多取文本的 64 个词元。",
    },
    "inside.card": {
        "en": "**Try**\n"
              "1. In *From text to training pairs*, set `stride` to `max_length`: the windows stop "
              "overlapping. Each target row y is its input row x moved one token to the left.\n"
              "2. In *Attention, step by step*, read the softmax weights: a query's weights sum to 1, "
              "and every key after the query gets 0 (the mask's −∞ above the diagonal).\n"
              "3. In *Anatomy*, describe the preset `gpt2-124m`: 163,009,536 parameters with an output "
              "head of its own, 124,412,160 when the head reuses the token embedding (tying, as GPT-2 "
              "does).\n"
              "4. In *the logit lens*, pick GPT-2 or your trained model: the lower layers' guesses are "
              "vague, and in the upper ones the top token turns into the final prediction (#1).\n\n"
              "**Look for** the untrained twin beside your model: its attention is spread almost "
              "evenly, and its loss sits near ln(vocabulary), the loss of a uniform guess.",
        "zh": "**试一试**\n"
              "1. 在“从文本到训练样本”里把 `stride` 设成 `max_length`：窗口不再重叠。每一行目标 y 都是"
              "输入 x 整体左移一个词元。\n"
              "2. 在“一步一步算注意力”里看 softmax 权重：一个查询的权重加起来等于 1，查询之后的每个键都是 0"
              "（对角线以上被掩码设成 −∞）。\n"
              "3. 在“解剖”里描述预设 `gpt2-124m`：输出头独立时有 163,009,536 个参数，输出头复用词元嵌入"
              "（权重共享，GPT-2 就是这样）时是 124,412,160 个。\n"
              "4. 在 logit lens 里选 GPT-2 或你训练过的模型：靠下的层猜得很模糊，越往上，最可能的词元越会"
              "变成最终的预测（第 1 名）。\n\n"
              "**留意**你的模型旁边那个未训练的双胞胎：它的注意力几乎平均分配，损失接近 ln(词表大小)，"
              "也就是均匀乱猜的损失。",
    },
    "inside.text": {"en": "Text", "zh": "文本"},
    "inside.default_text": {"en": "I had always thought Jack Gisburn rather a cheap genius",
                            "zh": "I had always thought Jack Gisburn rather a cheap genius"},
    "inside.yes": {"en": "yes", "zh": "是"},
    "inside.no": {"en": "no", "zh": "否"},
    "inside.layer": {"en": "layer (from 0)", "zh": "层（从 0 开始）"},
    "inside.head": {"en": "head (from 0)", "zh": "头（从 0 开始）"},
    "inside.query": {"en": "query token (position, from 0)", "zh": "查询词元（位置，从 0 开始）"},
    "inside.token": {"en": "token (position, from 0)", "zh": "词元（位置，从 0 开始）"},
    "inside.seed": {"en": "seed", "zh": "随机种子"},
    # 1. from text to training pairs
    "inside.pairs.title": {"en": "1 · From text to training pairs", "zh": "1 · 从文本到训练样本"},
    "inside.pairs.intro": {
        "en": "The text becomes token ids; a window of **max_length** tokens slides along them by "
              "**stride**. Each window is one input row **x**, and its target row **y** is the same "
              "tokens moved one to the left: at every position the model learns to predict the "
              "next token. The rows below are exactly what the project's dataset gives the trainer. "
              "The prefix table spells the same thing out one example at a time.",
        "zh": "文本先变成词元 id；一个长 **max_length** 的窗口按 **stride**（步幅）沿着它们滑动。"
              "每个窗口是一行输入 **x**，它的目标行 **y** 是同样的词元整体左移一位：在每个位置上，"
              "模型学的都是预测下一个词元。下表的每一行正是本项目的数据集交给训练器的内容。"
              "前缀表把同一件事一条一条地写出来。",
    },
    "inside.tokenizer": {"en": "tokenizer", "zh": "分词器"},
    "inside.tokenizer.gpt2": {"en": "GPT-2 BPE", "zh": "GPT-2 BPE"},
    "inside.tokenizer.char": {"en": "characters", "zh": "字符"},
    "inside.tokenizer.simple": {"en": "words (the book's simple tokenizer)",
                                "zh": "单词（书中的简单分词器）"},
    "inside.vocabulary": {"en": "vocabulary from (characters, words)", "zh": "词表来源（字符、单词）"},
    "inside.vocabulary_info": {
        "en": "Characters and words outside this text's vocabulary are skipped or become <|unk|>.",
        "zh": "不在这份文本词表里的字符会被跳过，单词会变成 <|unk|>。",
    },
    "inside.max_length": {"en": "max_length (window)", "zh": "max_length（窗口长度）"},
    "inside.stride": {"en": "stride", "zh": "stride（步幅）"},
    "inside.pairs.run": {"en": "Make the pairs", "zh": "生成训练样本"},
    "inside.tokens": {"en": "Tokens", "zh": "词元"},
    "inside.windows": {"en": "Input rows x and target rows y (as the dataset makes them)",
                       "zh": "输入行 x 与目标行 y（与数据集生成的一致）"},
    "inside.prefix": {"en": "Prefix → next token", "zh": "前缀 → 下一个词元"},
    "inside.col.window": {"en": "window", "zh": "窗口"},
    "inside.col.start": {"en": "starts at", "zh": "起点"},
    "inside.col.x_ids": {"en": "x (ids)", "zh": "x（id）"},
    "inside.col.y_ids": {"en": "y (ids)", "zh": "y（id）"},
    "inside.col.x_tokens": {"en": "x (tokens)", "zh": "x（词元）"},
    "inside.col.y_tokens": {"en": "y (tokens)", "zh": "y（词元）"},
    "inside.col.n": {"en": "#", "zh": "#"},
    "inside.col.context": {"en": "context", "zh": "上文"},
    "inside.col.next": {"en": "→ next token", "zh": "→ 下一个词元"},
    "inside.pairs.counts": {
        "en": "**{n}** tokens (vocabulary {vocab:,}) · max_length {max_length}, stride {stride} → "
              "**{windows}** windows, each with {max_length} next-token examples",
        "zh": "**{n}** 个词元（词表 {vocab:,}）· max_length {max_length}，步幅 {stride} → "
              "**{windows}** 个窗口，每个含 {max_length} 个“预测下一个词元”的样本",
    },
    "inside.pairs.three": {
        "en": "The same {chars} characters: **{bpe}** GPT-2 BPE tokens · **{words}** words · "
              "**{char}** characters",
        "zh": "同样这 {chars} 个字符：**{bpe}** 个 GPT-2 BPE 词元 · **{words}** 个单词 · "
              "**{char}** 个字符",
    },
    "inside.pairs.windows_cut": {"en": "Showing the first {shown} of {n} windows.",
                                 "zh": "只显示 {n} 个窗口中的前 {shown} 个。"},
    "inside.lookup.intro": {
        "en": "**The lookup.** The model reads the text with its own tokenizer. Each id picks one "
              "row of the token-embedding matrix; each position picks one row of the "
              "position-embedding matrix; their sum is the vector the first block reads. No "
              "arithmetic yet: a lookup in two tables, learned during training.",
        "zh": "**查表**。模型用自己的分词器读这段文本。每个 id 取出词元嵌入矩阵的一行；每个位置取出"
              "位置嵌入矩阵的一行；两者相加就是第一个块读到的向量。这里还没有任何运算：只是在两张训练中学到的表里查值。",
    },
    "inside.lookup.run": {"en": "Show the lookup", "zh": "显示查表"},
    "inside.lookup.plot": {"en": "ids → vectors", "zh": "id → 向量"},
    "inside.lookup.summary": {
        "en": "**{label}** reads the text as **{n}** tokens: ids {ids}. Token embeddings: "
              "{vocab:,} rows × {dim}; position embeddings: {context:,} rows × {dim}.",
        "zh": "**{label}** 把这段文本读成 **{n}** 个词元：id 为 {ids}。词元嵌入：{vocab:,} 行 × {dim}；"
              "位置嵌入：{context:,} 行 × {dim}。",
    },
    "inside.lookup.cut": {"en": "The figure shows the first {shown} of the {n} tokens.",
                          "zh": "图中只画出 {n} 个词元中的前 {shown} 个。"},
    # 2. attention step by step
    "inside.att.title": {"en": "2 · Attention, step by step", "zh": "2 · 一步一步算注意力"},
    "inside.att.intro": {
        "en": "One head of one layer, for one query token:\n"
              "1. **q·k**: the dot product of the query's vector with every key's: how well they match.\n"
              "2. **÷ √d**: divided by the square root of the head's width, so the softmax does not "
              "become all-or-nothing in wide heads.\n"
              "3. **mask**: keys after the query are set to −∞: a token may not look at the future.\n"
              "4. **softmax**: the scores become weights between 0 and 1 that sum to 1.\n"
              "5. **weighted sum**: the head's output (its context vector) is the values of the "
              "keys, each times its weight.\n\n"
              "Left: the same model untrained (its config and tokenizer, random weights); right: "
              "the model you picked. Hover for every number.",
        "zh": "某一层的某一个头，针对一个查询词元：\n"
              "1. **q·k**：查询向量与每个键向量的点积，表示两者有多匹配。\n"
              "2. **÷ √d**：除以头宽度的平方根，免得头很宽时 softmax 变成非此即彼。\n"
              "3. **掩码**：查询之后的键被设为 −∞：词元不能看未来。\n"
              "4. **softmax**：分数变成 0 到 1 之间、总和为 1 的权重。\n"
              "5. **加权求和**：这个头的输出（上下文向量）就是各个键的值向量乘以各自权重再相加。\n\n"
              "左边：同一个模型未训练时的样子（同样的配置和分词器，随机权重）；右边：你选的模型。"
              "把鼠标移到图上可以看到每个数。",
    },
    "inside.att.run": {"en": "Compute attention", "zh": "计算注意力"},
    "inside.att.twin_placeholder": {"en": "**Untrained twin**", "zh": "**未训练的双胞胎**"},
    "inside.att.model_placeholder": {"en": "**The model you picked**", "zh": "**你选的模型**"},
    "inside.att.table": {"en": "The query's row, key by key", "zh": "查询这一行，逐个键"},
    "inside.att.plot": {"en": "Scores → weights → context", "zh": "分数 → 权重 → 上下文"},
    "inside.col.key": {"en": "key", "zh": "键"},
    "inside.col.token": {"en": "token", "zh": "词元"},
    "inside.col.raw": {"en": "q·k", "zh": "q·k"},
    "inside.col.scaled": {"en": "÷ √d", "zh": "÷ √d"},
    "inside.col.masked": {"en": "masked", "zh": "掩码后"},
    "inside.col.weight": {"en": "softmax weight", "zh": "softmax 权重"},
    "inside.att.model_md": {
        "en": "**{label}** · layer {layer}, head {head}, query {query} `{token}` · d = {d}, "
              "√d = {sqrt:.2f}. Its largest weight, {weight:.3f}, goes to `{looked_at}`. Context "
              "vector (first 6 of {d}): {context}",
        "zh": "**{label}** · 第 {layer} 层，第 {head} 个头，查询 {query} `{token}` · d = {d}，"
              "√d = {sqrt:.2f}。最大的权重 {weight:.3f} 给了 `{looked_at}`。上下文向量（{d} 维中的前 6 维）：{context}",
    },
    # 3. anatomy
    "inside.anat.title": {"en": "3 · Anatomy: shapes, parameters, memory",
                          "zh": "3 · 解剖：形状、参数、内存"},
    "inside.anat.intro": {
        "en": "Every step of the forward pass in order, with the shape of the tensor after it "
              "(B sequences of T tokens: the model fixes every other size) and the parameters it "
              "owns. The steps of a block repeat in each block. Pick a preset, GPT-2 as loaded "
              "from the Hub, or the model picked above.",
        "zh": "按顺序列出前向传播的每一步、这一步之后张量的形状（B 条序列、每条 T 个词元，其余尺寸都由模型决定），"
              "以及这一步拥有的参数。块内的步骤在每个块里重复一遍。可以选一个预设、从 Hub 加载的 GPT-2，或上面选的模型。",
    },
    "inside.anat.config_label": {"en": "describe", "zh": "描述哪个配置"},
    "inside.anat.run": {"en": "Show the anatomy", "zh": "显示解剖"},
    "inside.anat.steps": {"en": "The forward pass, step by step", "zh": "前向传播，逐步"},
    "inside.anat.parts": {"en": "Parameters per component", "zh": "各部件的参数"},
    "inside.anat.hub": {"en": "{name} as loaded from the Hub (QKV biases, tied head)",
                        "zh": "从 Hub 加载的 {name}（QKV 有偏置，输出头与嵌入共享）"},
    "inside.anat.preset": {"en": "preset {name}", "zh": "预设 {name}"},
    "inside.anat.picked": {"en": "the model picked above", "zh": "上面选中的模型"},
    "inside.anat.per_block": {"en": "× {n} blocks", "zh": "× {n} 个块"},
    "inside.anat.shared": {"en": "0 (the token embedding, shared)", "zh": "0（与词元嵌入共享）"},
    "inside.anat.config": {
        "en": "**Config shown: {name}** · vocabulary {vocab:,} · context {context:,} · {dim} "
              "dimensions · {layers} blocks × {heads} heads · QKV biases: {bias} · head tied to the "
              "token embedding: {tied}",
        "zh": "**当前配置：{name}** · 词表 {vocab:,} · 上下文 {context:,} · {dim} 维 · "
              "{layers} 个块 × {heads} 个头 · QKV 偏置：{bias} · 输出头与词元嵌入共享：{tied}",
    },
    "inside.anat.totals": {
        "en": "| | parameters | float32 | bfloat16 |\n| --- | ---: | ---: | ---: |\n"
              "| without tying (own output head) | {without:,} | {fp32_without:,.2f} MB | "
              "{bf16_without:,.2f} MB |\n"
              "| with tying (head = token embedding) | {with_tying:,} | {fp32_with:,.2f} MB | "
              "{bf16_with:,.2f} MB |",
        "zh": "| | 参数 | float32 | bfloat16 |\n| --- | ---: | ---: | ---: |\n"
              "| 不共享（独立输出头） | {without:,} | {fp32_without:,.2f} MB | {bf16_without:,.2f} MB |\n"
              "| 共享（输出头 = 词元嵌入） | {with_tying:,} | {fp32_with:,.2f} MB | {bf16_with:,.2f} MB |",
    },
    "inside.anat.this_tied": {
        "en": "This config ties its head: it has **{total:,}** parameters ({fp32:,.2f} MB in float32).",
        "zh": "这个配置共享输出头：共有 **{total:,}** 个参数（float32 下 {fp32:,.2f} MB）。",
    },
    "inside.anat.this_untied": {
        "en": "This config has its own output head: **{total:,}** parameters ({fp32:,.2f} MB in "
              "float32, the book's figure).",
        "zh": "这个配置有独立的输出头：共 **{total:,}** 个参数（float32 下 {fp32:,.2f} MB，即书中的数字）。",
    },
    "inside.col.step": {"en": "step", "zh": "步骤"},
    "inside.col.shape": {"en": "shape after it", "zh": "之后的形状"},
    "inside.col.params": {"en": "parameters", "zh": "参数"},
    "inside.col.part": {"en": "component", "zh": "部件"},
    "inside.col.share": {"en": "share", "zh": "占比"},
    "inside.step.token_ids": {"en": "token ids", "zh": "词元 id"},
    "inside.step.tok_emb": {"en": "token embedding (a row per id)", "zh": "词元嵌入（每个 id 取一行）"},
    "inside.step.pos_emb": {"en": "+ position embedding", "zh": "+ 位置嵌入"},
    "inside.step.dropout": {"en": "dropout (training only)", "zh": "dropout（只在训练时）"},
    "inside.step.norm1": {"en": "block: LayerNorm 1", "zh": "块：LayerNorm 1"},
    "inside.step.qkv": {"en": "block: Q, K, V projections, split into heads",
                        "zh": "块：Q、K、V 投影，拆成多个头"},
    "inside.step.scores": {"en": "block: scores Q·Kᵀ ÷ √d, mask, softmax",
                           "zh": "块：分数 Q·Kᵀ ÷ √d、掩码、softmax"},
    "inside.step.context": {"en": "block: weights · V, heads joined", "zh": "块：权重 · V，合并各头"},
    "inside.step.out_proj": {"en": "block: output projection", "zh": "块：输出投影"},
    "inside.step.shortcut_att": {"en": "block: shortcut, x + attention", "zh": "块：捷径连接，x + 注意力"},
    "inside.step.norm2": {"en": "block: LayerNorm 2", "zh": "块：LayerNorm 2"},
    "inside.step.ff_up": {"en": "block: feed-forward, Linear to 4 × width, GELU",
                          "zh": "块：前馈网络，线性层升到 4 倍宽，GELU"},
    "inside.step.ff_down": {"en": "block: feed-forward, Linear back to the width",
                            "zh": "块：前馈网络，线性层降回原宽度"},
    "inside.step.shortcut_ff": {"en": "block: shortcut, x + feed-forward",
                                "zh": "块：捷径连接，x + 前馈"},
    "inside.step.final_norm": {"en": "final LayerNorm", "zh": "最后的 LayerNorm"},
    "inside.step.out_head": {"en": "output head: a logit per vocabulary token",
                             "zh": "输出头：词表里每个词元一个 logit"},
    "inside.part.tok_emb": {"en": "token embedding", "zh": "词元嵌入"},
    "inside.part.pos_emb": {"en": "position embedding", "zh": "位置嵌入"},
    "inside.part.attention": {"en": "attention (all blocks)", "zh": "注意力（所有块）"},
    "inside.part.feed_forward": {"en": "feed-forward (all blocks)", "zh": "前馈网络（所有块）"},
    "inside.part.layer_norms": {"en": "LayerNorms", "zh": "LayerNorm"},
    "inside.part.out_head": {"en": "output head (before tying)", "zh": "输出头（共享前）"},
    "inside.ln.intro": {
        "en": "**LayerNorm** (chapter 4.2) on one real vector: the residual stream of one token as "
              "it enters a block. Its mean and variance are taken, it is shifted and scaled to mean "
              "0 and variance 1, then the learned scale and shift are applied.",
        "zh": "**LayerNorm**（第 4.2 节），用一个真实的向量：某个词元进入某个块时的残差流。"
              "先算它的均值和方差，把它平移缩放成均值 0、方差 1，再乘上学到的缩放、加上学到的平移。",
    },
    "inside.ln.run": {"en": "Show LayerNorm", "zh": "显示 LayerNorm"},
    "inside.ln.plot": {"en": "One vector through LayerNorm", "zh": "一个向量经过 LayerNorm"},
    "inside.ln.title": {"en": "Layer {layer}, token {position} `{token}`: its values, dimension by dimension",
                        "zh": "第 {layer} 层，词元 {position} `{token}`：逐维的数值"},
    "inside.ln.summary": {
        "en": "| | mean | variance |\n| --- | ---: | ---: |\n"
              "| before | {mean:.4f} | {var:.4f} |\n"
              "| normalised: (x − mean) / √(variance + {eps:g}) | {n_mean:.4f} | {n_var:.4f} |\n"
              "| after the learned scale and shift | {o_mean:.4f} | {o_var:.4f} |",
        "zh": "| | 均值 | 方差 |\n| --- | ---: | ---: |\n"
              "| 之前 | {mean:.4f} | {var:.4f} |\n"
              "| 归一化：(x − 均值) / √(方差 + {eps:g}) | {n_mean:.4f} | {n_var:.4f} |\n"
              "| 乘上学到的缩放、加上平移之后 | {o_mean:.4f} | {o_var:.4f} |",
    },
    "inside.sc.intro": {
        "en": "**Shortcut connections** (chapter 4.4): the book's network of five layers (each a "
              "Linear and a GELU), input [[1., 0., −1.]], target [[0.]], mean squared error, one "
              "backward pass. Without shortcuts the gradient shrinks on its way back to the first "
              "layer; adding each layer's input to its output carries it through.",
        "zh": "**捷径连接**（第 4.4 节）：书中的五层网络（每层是一个线性层加 GELU），输入 [[1., 0., −1.]]，"
              "目标 [[0.]]，均方误差，做一次反向传播。没有捷径时，梯度在传回第一层的路上越来越小；"
              "把每层的输入加到输出上，梯度就能一路传回去。",
    },
    "inside.sc.run": {"en": "Run the demo", "zh": "运行演示"},
    "inside.sc.plot": {"en": "Mean |gradient| per layer", "zh": "每层的平均 |梯度|"},
    "inside.sc.summary": {
        "en": "Seed {seed} (the book uses 123). The first layer's gradient is **{ratio:,.0f}×** "
              "larger with shortcuts.",
        "zh": "随机种子 {seed}（书中用 123）。有捷径时，第一层的梯度大 **{ratio:,.0f} 倍**。",
    },
    "inside.sc.header": {"en": "| layer | without shortcuts | with shortcuts |\n| --- | ---: | ---: |",
                         "zh": "| 层 | 无捷径 | 有捷径 |\n| --- | ---: | ---: |"},
    "inside.sc.row": {"en": "| {n} | {without:.2g} | {with_shortcut:.2g} |",
                      "zh": "| {n} | {without:.2g} | {with_shortcut:.2g} |"},
    # 4. the loss by hand
    "inside.loss.title": {"en": "4 · The loss by hand", "zh": "4 · 手算损失"},
    "inside.loss.intro": {
        "en": "At every position the model gives each vocabulary token a probability; the loss "
              "looks only at the probability of the token that really comes next. Take its "
              "natural log, average over the positions, flip the sign: that is the cross-entropy "
              "the trainer lowers (the same number as the book's `calc_loss_batch`). exp of it is "
              "the perplexity: \"as unsure as a uniform choice among this many tokens\".",
        "zh": "在每个位置上，模型给词表中每个词元一个概率；损失只看真正的下一个词元得到的概率。"
              "取自然对数，对所有位置求平均，再取相反数：这就是训练器要降低的交叉熵（与书中 `calc_loss_batch` "
              "得到的数一样）。它的 exp 就是困惑度：“相当于在这么多个词元里均匀地猜”。",
    },
    "inside.loss.run": {"en": "Compute the loss", "zh": "计算损失"},
    "inside.loss.table": {"en": "Each target token's probability", "zh": "每个目标词元的概率"},
    "inside.col.pos": {"en": "position", "zh": "位置"},
    "inside.col.reads": {"en": "reads up to", "zh": "读到"},
    "inside.col.target": {"en": "should predict", "zh": "应预测"},
    "inside.col.p": {"en": "p(target)", "zh": "p(目标)"},
    "inside.col.ln_p": {"en": "ln p", "zh": "ln p"},
    "inside.loss.summary": {
        "en": "**{label}**, {n} predictions:\n"
              "- mean of ln p = **{mean:.4f}**\n"
              "- cross-entropy = −mean = **{loss:.4f}**\n"
              "- perplexity = exp({loss:.4f}) = **{ppl:,.1f}**\n"
              "- a uniform guess over {vocab:,} tokens: ln {vocab:,} = **{chance:.4f}** "
              "(perplexity {vocab:,})\n"
              "- the untrained twin: **{twin:.4f}** (perplexity {twin_ppl:,.1f}): close to the "
              "uniform guess, which is why a training run starts there.",
        "zh": "**{label}**，共 {n} 次预测：\n"
              "- ln p 的平均 = **{mean:.4f}**\n"
              "- 交叉熵 = −平均 = **{loss:.4f}**\n"
              "- 困惑度 = exp({loss:.4f}) = **{ppl:,.1f}**\n"
              "- 在 {vocab:,} 个词元中均匀地猜：ln {vocab:,} = **{chance:.4f}**（困惑度 {vocab:,}）\n"
              "- 未训练的双胞胎：**{twin:.4f}**（困惑度 {twin_ppl:,.1f}）：接近均匀猜测，"
              "所以训练总是从这里开始。",
    },
    # 5. the logit lens
    "inside.lens.title": {"en": "5 · What each layer would predict (the logit lens)",
                          "zh": "5 · 每一层会预测什么（logit lens）"},
    "inside.lens.intro": {
        "en": "The model predicts from the residual stream after its last block (final LayerNorm, "
              "then the output head). Apply the same two steps to the stream after the embeddings "
              "and after each block, and you see what the model would predict if it stopped "
              "there. Each cell: the top next token and, after #, the rank of the model's final "
              "prediction at that layer; colour = the top token's probability; hover for the top 5.",
        "zh": "模型在最后一个块之后的残差流上做预测（先过最后的 LayerNorm，再过输出头）。把同样两步用在"
              "嵌入之后、每个块之后的残差流上，就能看到模型如果在那里停下会预测什么。每个格子：最可能的下一个词元，"
              "# 后面是模型最终预测在这一层的名次；颜色 = 最可能词元的概率；鼠标悬停可看前 5 名。",
    },
    "inside.lens.run": {"en": "Show what each layer predicts", "zh": "显示每一层的预测"},
    "inside.lens.plot": {"en": "Layers × positions", "zh": "层 × 位置"},
    "inside.lens.summary": {
        "en": "**{label}** ({layers} blocks): on average the final prediction reaches the top and "
              "stays there after layer **{settled:.1f}** (0 = the embeddings alone).",
        "zh": "**{label}**（{layers} 个块）：平均而言，最终预测在第 **{settled:.1f}** 层之后升到第一名并一直保持"
              "（0 = 只用嵌入）。",
    },
    "inside.lens.caveat": {
        "en": "What this shows: how far the answer is formed in the stream at each depth, read "
              "with the last layer's eyes. What it does not show: what the earlier layers compute "
              "for themselves, which the final head was never trained to read.",
        "zh": "它能说明：在每个深度，残差流里的答案已经成形到什么程度（用最后一层的眼光去读）。"
              "它不能说明：前面各层自己在算什么，因为最后的输出头从没被训练去读它们。",
    },
    # bad input
    "inside.err.too_many_tokens": {
        "en": "This view traces every layer and keeps its numbers: at most {limit} tokens, and the "
              "text has {n}. Shorten the text.",
        "zh": "这一部分要追踪每一层并保留所有数值：最多 {limit} 个词元，而这段文本有 {n} 个。请缩短文本。",
    },
    "inside.err.position": {
        "en": "The text has {n} tokens (positions 0 to {last}): there is no {name} {value}.",
        "zh": "这段文本有 {n} 个词元（位置 0 到 {last}）：没有{name} {value}。",
    },
    "inside.err.tokenizer": {"en": "Unknown tokenizer {kind!r}: choose gpt2, char or simple.",
                             "zh": "未知的分词器 {kind!r}：请选择 gpt2、char 或 simple。"},
    "inside.err.stride0": {
        "en": "A stride of 0 would never move the window: every window would be the first one. "
              "Choose a stride of at least 1.",
        "zh": "步幅为 0 时窗口永远不会移动：每个窗口都会是第一个。请把步幅设为至少 1。",
    },
    "inside.err.window": {
        "en": "The text has {n} tokens; one window of max_length {max_length} needs {need} (its "
              "target row reaches one further). Use a longer text or a shorter window.",
        "zh": "这段文本有 {n} 个词元；长度为 {max_length} 的窗口需要 {need} 个（目标行要多看一个）。"
              "请换更长的文本或更短的窗口。",
    },
    "inside.err.config": {"en": "Unknown config {config!r}: choose one from the list.",
                          "zh": "未知的配置 {config!r}：请从列表中选择。"},
    "inside.err.two_tokens": {
        "en": "The loss needs at least 2 tokens: the first one has nothing before it to be "
              "predicted from.",
        "zh": "计算损失至少需要 2 个词元：第一个词元前面没有内容可以用来预测它。",
    },
    # figures
    "inside.plot.lookup_title": {"en": "Token rows + position rows = input vectors",
                                 "zh": "词元行 + 位置行 = 输入向量"},
    "inside.plot.tok_rows": {"en": "token embedding rows", "zh": "词元嵌入行"},
    "inside.plot.pos_rows": {"en": "+ position rows", "zh": "+ 位置行"},
    "inside.plot.inputs": {"en": "= input vectors", "zh": "= 输入向量"},
    "inside.plot.emb_hover": {"en": "%{y}<br>dimension %{x}: %{z:.3f}",
                              "zh": "%{y}<br>第 %{x} 维：%{z:.3f}"},
    "inside.plot.dims_axis": {"en": "dimension", "zh": "维度"},
    "inside.plot.value": {"en": "value", "zh": "数值"},
    "inside.plot.raw": {"en": "1. q·k", "zh": "1. q·k"},
    "inside.plot.scaled": {"en": "2. ÷ √d", "zh": "2. ÷ √d"},
    "inside.plot.masked": {"en": "3. mask", "zh": "3. 掩码"},
    "inside.plot.weights": {"en": "4. softmax", "zh": "4. softmax"},
    "inside.plot.weighted_sum": {"en": "5. values × weights, summed → the context of {query}",
                                 "zh": "5. 值 × 权重，相加 → {query} 的上下文"},
    "inside.plot.score_hover": {"en": "query %{y}<br>key %{x}<br>%{z:.4f}",
                                "zh": "查询 %{y}<br>键 %{x}<br>%{z:.4f}"},
    "inside.plot.value_hover": {"en": "%{y}<br>dimension %{x}: %{z:.4f}",
                                "zh": "%{y}<br>第 %{x} 维：%{z:.4f}"},
    "inside.plot.context_row": {"en": "= context", "zh": "= 上下文"},
    "inside.plot.ln_before": {"en": "before (right axis)", "zh": "之前（右侧坐标轴）"},
    "inside.plot.ln_before_axis": {"en": "before (its own scale)", "zh": "之前（单独的刻度）"},
    "inside.plot.ln_normalised": {"en": "normalised", "zh": "归一化后"},
    "inside.plot.ln_output": {"en": "after scale and shift", "zh": "缩放平移后"},
    "inside.plot.layer_n": {"en": "layer {n}", "zh": "第 {n} 层"},
    "inside.plot.no_shortcut": {"en": "without shortcuts", "zh": "无捷径"},
    "inside.plot.with_shortcut": {"en": "with shortcuts", "zh": "有捷径"},
    "inside.plot.shortcut_title": {"en": "Mean |gradient| of each layer's weights",
                                   "zh": "每层权重的平均 |梯度|"},
    "inside.plot.grad_axis": {"en": "mean |gradient| (log scale)", "zh": "平均 |梯度|（对数刻度）"},
    "inside.plot.lens_title": {"en": "The top next token at each layer (#: rank of the final prediction)",
                               "zh": "每一层最可能的下一个词元（#：最终预测的名次）"},
    "inside.plot.lens_layers": {"en": "after the embeddings, then after block 1, 2, …",
                                "zh": "嵌入之后，然后是第 1、2……个块之后"},
    "inside.plot.lens_emb": {"en": "emb", "zh": "嵌入"},
    "inside.plot.lens_prob": {"en": "p(top)", "zh": "p(第一)"},
    "inside.plot.lens_hover": {
        "en": "after {layer}, at {position}<br>top 5:<br>{top}<br>final prediction {final}: "
              "rank {rank}, p = {p:.3f}",
        "zh": "{layer} 之后，位置 {position}<br>前 5 名：<br>{top}<br>最终预测 {final}：第 {rank} 名，p = {p:.3f}",
    },
    # --- embeddings tab: what a token's vector means, and the map forming while training ---
    "emb.tab": {"en": "Embeddings", "zh": "嵌入向量"},
    "emb.intro": {
        "en": "A GPT's first layer is a table with one row per token: token id *i* picks row *i*, a "
              "vector of `emb_dim` numbers (chapter 2.7). Nobody says what the rows should hold: they "
              "start random and are trained, like every other weight, to make the next token likely. "
              "Tokens that are used alike end up **pointing alike**, and the **cosine similarity** "
              "(1 = the same direction, 0 = unrelated) measures it. Find a token's nearest neighbours, "
              "try an analogy, see the whole table as a map, and watch the map organise itself while "
              "your model trains.",
        "zh": "GPT 的第一层是一张表，每个词元一行：词元 id *i* 取出第 *i* 行，一个由 `emb_dim` 个数组成的向量"
              "（第 2.7 节）。没有人规定这些行该是什么：它们从随机值开始，和其他权重一样被训练，只为让下一个词元更可能出现。"
              "用法相近的词元最后会**指向相近的方向**，用**余弦相似度**衡量（1 = 方向相同，0 = 无关）。"
              "查一个词元的最近邻、试一个类比、把整张表看成一幅地图，再看着这幅地图在你的模型训练时自己整理成形。",
    },
    "emb.card": {
        "en": "**Try**\n"
              "1. On GPT-2, solve `king` − `man` + `woman`: where does `queen` come? The page says, "
              "and says why the textbook answer may not come first.\n"
              "2. The neighbours of a word: `king` on GPT-2 (it looks up `␣king`, with its leading "
              "space), or `e` on your own character model. Then the same on the untrained model: its "
              "best scores are chance, the luckiest of many random vectors.\n"
              "3. Train tiny-shakespeare in the Pretrain tab, come back and play the film under "
              "*Watching it form*: a random cloud at step 0, then the vowels (red) separate from the "
              "consonants (blue) while the loss falls.\n\n"
              "**Look for** tokens used alike (digits, punctuation) sitting together on the map.",
        "zh": "**试一试**\n"
              "1. 在 GPT-2 上算 `king` − `man` + `woman`：`queen` 排第几？页面会告诉你，也会说明为什么"
              "教科书上的答案不一定排第一。\n"
              "2. 查一个词的近邻：在 GPT-2 上查 `king`（实际查的是带前导空格的 `␣king`），或在你自己的"
              "字符模型上查 `e`。再在未训练的模型上查：它最高的分数只是碰巧，是许多随机向量里最走运的那个。\n"
              "3. 在“预训练”页用 tiny-shakespeare 训练，回到这里，播放“看它成形”下的动画：第 0 步是一团"
              "随机的点，随着损失下降，元音（红色）和辅音（蓝色）分开。\n\n"
              "**留意**用法相近的词元（数字、标点）在地图上挨在一起。",
    },
    "emb.vectors": {"en": "Vectors (for neighbours and the map)", "zh": "向量（用于近邻和地图）"},
    "emb.vectors.tokens": {"en": "token embeddings (tok_emb)", "zh": "词元嵌入（tok_emb）"},
    "emb.vectors.positions": {"en": "position embeddings (pos_emb)", "zh": "位置嵌入（pos_emb）"},
    "emb.as_word": {"en": "GPT-2 BPE: a word with its leading space (\" king\")",
                    "zh": "GPT-2 BPE：按带前导空格的词查（\" king\"）"},
    "emb.neighbours_title": {
        "en": "### Nearest neighbours\nType a token (a word, a character, a piece of a word; for position "
              "vectors, a position number). `␣` stands for a space and `↵` for a new line.",
        "zh": "### 最近邻\n输入一个词元（一个词、一个字符、一个词片段；查位置向量时输入位置编号）。"
              "`␣` 表示空格，`↵` 表示换行。",
    },
    "emb.token": {"en": "Token", "zh": "词元"},
    "emb.default_token": {"en": "he", "zh": "he"},
    "emb.piece": {"en": "Piece (when the tokenizer splits it)", "zh": "片段（被分词器拆开时）"},
    "emb.k": {"en": "how many neighbours (k)", "zh": "近邻个数（k）"},
    "emb.find": {"en": "Find neighbours", "zh": "查找近邻"},
    "emb.col_rank": {"en": "#", "zh": "#"},
    "emb.col_token": {"en": "token", "zh": "词元"},
    "emb.col_id": {"en": "id", "zh": "id"},
    "emb.col_position": {"en": "position", "zh": "位置"},
    "emb.col_cosine": {"en": "cosine", "zh": "余弦"},
    "emb.neighbours_of": {
        "en": "Nearest to {token} (id {id}) among the {n:,} token vectors of {label}, by cosine similarity.",
        "zh": "在 {label} 的 {n:,} 个词元向量中，按余弦相似度离 {token}（id {id}）最近的词元。",
    },
    "emb.positions_of": {
        "en": "Nearest to position {position} among the {n:,} position vectors of {label}, by cosine similarity.",
        "zh": "在 {label} 的 {n:,} 个位置向量中，按余弦相似度离位置 {position} 最近的位置。",
    },
    "emb.spaced": {
        "en": "GPT-2's word tokens carry their leading space: {spaced} was used (untick the box above for {plain}).",
        "zh": "GPT-2 的词元把词前的空格也算在内：用的是 {spaced}（取消上面的勾选可查 {plain}）。",
    },
    "emb.unspaced": {
        "en": "{spaced} is not in this model's vocabulary, so {plain} (without the space) was used.",
        "zh": "{spaced} 不在这个模型的词表里，所以用的是 {plain}（不带空格）。",
    },
    "emb.pieces": {
        "en": "{word} is {n} tokens for this model: {pieces}. Showing {piece}; pick another piece above.",
        "zh": "{word} 在这个模型里是 {n} 个词元：{pieces}。下面是 {piece} 的结果；可在上面换一个片段。",
    },
    "emb.untrained": {
        "en": "This model is untrained: its vectors are random, so these neighbours mean nothing yet (among "
              "many random vectors one always comes out best, by chance).",
        "zh": "这个模型没有训练过：它的向量是随机的，所以这些近邻还没有任何意义（在许多随机向量里，总有一个碰巧最接近）。",
    },
    "emb.analogy_title": {
        "en": "### Analogies\n*a* − *b* + *c* ≈ ? The textbook's example is king − man + woman ≈ queen: the "
              "vector from *man* to *woman*, added to *king*. The nearest tokens by cosine are listed, "
              "leaving out *a*, *b* and *c* (as word2vec does). Token vectors only.",
        "zh": "### 类比\n*a* − *b* + *c* ≈ ？教科书的例子是 king − man + woman ≈ queen：把从 *man* 到 *woman* "
              "的向量加到 *king* 上。下面按余弦列出最近的词元，不算 *a*、*b*、*c* 本身（word2vec 也是这样做的）。只用词元向量。",
    },
    "emb.a": {"en": "a", "zh": "a"},
    "emb.b": {"en": "− b", "zh": "− b"},
    "emb.c": {"en": "+ c", "zh": "+ c"},
    "emb.expected": {"en": "expected answer (optional)", "zh": "期望的答案（可不填）"},
    "emb.analogy_run": {"en": "Solve the analogy", "zh": "求解类比"},
    "emb.analogy_head": {
        "en": "{a} − {b} + {c} ≈ … on {label}, nearest by cosine (the three left out).",
        "zh": "在 {label} 上：{a} − {b} + {c} ≈ …，按余弦取最近的（不算这三个）。",
    },
    "emb.analogy_spaced": {
        "en": "On GPT-2's BPE a word is the token with its leading space, so these were used: {tokens}.",
        "zh": "在 GPT-2 的 BPE 里，一个词是带前导空格的那个词元，所以用的是：{tokens}。",
    },
    "emb.analogy_hit": {"en": "✓ {expected} is number {rank} (cosine {score:.3f}).",
                        "zh": "✓ {expected} 排第 {rank}（余弦 {score:.3f}）。"},
    "emb.analogy_miss": {
        "en": "{expected} is only number {rank:,} of {n:,} (cosine {score:.3f}): these input embeddings do not "
              "give the textbook answer. Tokens are not words, and these vectors were trained to predict the "
              "next token, not to make analogies hold: the textbook result comes from word2vec, whose "
              "vectors were trained for exactly that kind of closeness.",
        "zh": "{expected} 只排在 {n:,} 个中的第 {rank:,} 位（余弦 {score:.3f}）：这些输入嵌入给不出教科书上的答案。"
              "词元不是词，而且这些向量是为预测下一个词元训练的，不是为了让类比成立：教科书上的结果来自 word2vec，"
              "它的向量正是为这种“相近”而训练的。",
    },
    "emb.expected_pieces": {
        "en": "{expected} is {n} tokens for this model, so it cannot be one answer.",
        "zh": "{expected} 在这个模型里是 {n} 个词元，所以不可能是一个答案。",
    },
    "emb.map_title": {
        "en": "### The map\nEvery vector squeezed onto the flat plane along which the vectors spread most "
              "(their two principal components). Colours are simple classes; the most frequent tokens are "
              "labelled and every point names its nearest neighbours on hover. The map keeps only part of "
              "the spread (the share is in the note): two tokens close on the map may still be far apart.",
        "zh": "### 地图\n把所有向量压到它们分布最开的那个平面上（前两个主成分）。颜色是简单的类别；最常见的词元带标签，"
              "把鼠标放在点上可以看到它的最近邻。地图只保留了一部分分布（比例见说明）：地图上挨得近的两个词元实际上仍可能相距很远。",
    },
    "emb.map_tokens": {"en": "tokens on the map (most frequent first)", "zh": "地图上的词元数（按频率）"},
    "emb.map_labels": {"en": "labelled tokens", "zh": "带标签的词元数"},
    "emb.draw": {"en": "Draw the map", "zh": "画地图"},
    "emb.map_note": {
        "en": "{n:,} tokens: {how}. The two axes keep {share:.0%} of their spread.",
        "zh": "{n:,} 个词元：{how}。两个坐标轴保留了它们 {share:.0%} 的分布。",
    },
    "emb.map_how.frequent": {"en": "the most frequent in {corpus}", "zh": "{corpus} 中最常见的"},
    "emb.map_how.first": {"en": "the first ids (this model's text is not at hand to count)",
                          "zh": "前面的 id（手头没有这个模型的语料可以统计）"},
    "emb.positions_note": {
        "en": "{n:,} positions of {context:,}. The two axes keep {share:.0%} of their spread. Learned "
              "positions that vary smoothly draw a smooth curve; an untrained model's are a random cloud.",
        "zh": "{context:,} 个位置中的 {n:,} 个。两个坐标轴保留了它们 {share:.0%} 的分布。"
              "平滑变化的位置向量会画出一条平滑的曲线；未训练模型的位置向量只是一团随机的点。",
    },
    "emb.plot.map_title": {"en": "{label} · {n:,} token vectors on their main plane",
                           "zh": "{label} · {n:,} 个词元向量投影到主平面"},
    "emb.plot.positions_title": {"en": "{label} · position vectors 0–{last} on their main plane",
                                 "zh": "{label} · 位置向量 0–{last} 投影到主平面"},
    "emb.plot.hover": {"en": "{token} · {cls}<br>nearest: {near}", "zh": "{token} · {cls}<br>最近邻：{near}"},
    "emb.plot.position_hover": {"en": "position {position}<br>nearest: {near}",
                                "zh": "位置 {position}<br>最近邻：{near}"},
    "emb.plot.position": {"en": "position", "zh": "位置"},
    "emb.plot.play": {"en": "▶ play", "zh": "▶ 播放"},
    "emb.plot.pause": {"en": "❚❚ pause", "zh": "❚❚ 暂停"},
    "emb.plot.frame_title": {"en": "Step {step:,}{loss}", "zh": "第 {step:,} 步{loss}"},
    "emb.plot.frame_loss": {"en": " · validation loss {loss:.3f}", "zh": " · 验证损失 {loss:.3f}"},
    "emb.class.vowel": {"en": "vowel", "zh": "元音"},
    "emb.class.consonant": {"en": "consonant", "zh": "辅音"},
    "emb.class.digit": {"en": "digit", "zh": "数字"},
    "emb.class.punctuation": {"en": "punctuation", "zh": "标点"},
    "emb.class.space": {"en": "space", "zh": "空白"},
    "emb.class.cjk": {"en": "CJK", "zh": "汉字"},
    "emb.class.word": {"en": "word (leading space)", "zh": "词（带前导空格）"},
    "emb.class.piece": {"en": "word piece", "zh": "词片段"},
    "emb.class.other": {"en": "other", "zh": "其他"},
    "emb.film_title": {
        "en": "### Watching it form\nA training job from the Pretrain tab photographs the map of its most "
              "frequent tokens every few steps (only the points travel, never the vectors). Each frame is "
              "turned (rotated or mirrored) onto the one before, so the points move instead of flipping. "
              "Press ▶ to play them all, or move the slider (at the right end it follows the newest).",
        "zh": "### 看它成形\n“预训练”页的训练任务每隔几步给最常见词元的地图拍一张快照（传回来的只有点，不是向量）。"
              "每一帧都被旋转或镜像到与前一帧对齐，所以点是在移动，而不是来回翻转。按 ▶ 播放全部，"
              "或拖动滑块（在最右端时跟随最新的一帧）。",
    },
    "emb.frame_slider": {"en": "frame", "zh": "帧"},
    "emb.no_job": {"en": "No training job yet: start one in the Pretrain tab (tiny-shakespeare tells this story best), then come back.",
                   "zh": "还没有训练任务：请先在“预训练”页开始训练（tiny-shakespeare 最能讲好这个故事），再回来看。"},
    "emb.no_frames": {"en": "Your job has no map frames yet: they come every few steps.",
                      "zh": "你的任务还没有地图帧：每隔几步会拍一张。"},
    "emb.frame_status": {"en": "Frame {i} of {n}, at step {step:,}{loss}.", "zh": "第 {i} / {n} 帧，第 {step:,} 步{loss}。"},
    "emb.from_attention": {
        "en": "The **Embeddings** tab maps these learned position vectors and lists which positions look alike.",
        "zh": "在**嵌入向量**页可以把这些学习到的位置向量画成地图，并列出哪些位置彼此相像。",
    },
    "emb.err.empty": {"en": "Type a token first (␣ for a space, ↵ for a new line).",
                      "zh": "请先输入一个词元（␣ 表示空格，↵ 表示换行）。"},
    "emb.err.too_long": {"en": "That is {n} characters: type one token (at most {limit} characters).",
                         "zh": "这有 {n} 个字符：请输入一个词元（最多 {limit} 个字符）。"},
    "emb.err.unknown": {
        "en": "Not in this model's vocabulary ({vocab:,} tokens): {pieces}. A model only has vectors for the "
              "tokens of the text its tokenizer was built from.",
        "zh": "不在这个模型的词表里（{vocab:,} 个词元）：{pieces}。模型只为构建分词器的那段文本里的词元准备了向量。",
    },
    "emb.err.analogy_pieces": {
        "en": "{word} is {n} tokens for this model ({pieces}): an analogy takes one token for each of a, b and c.",
        "zh": "{word} 在这个模型里是 {n} 个词元（{pieces}）：类比的 a、b、c 每个都只能是一个词元。",
    },
    "emb.err.vectors": {"en": "Choose token or position vectors.", "zh": "请选择词元向量或位置向量。"},
    "emb.err.no_positions": {
        "en": "This model was built without position embeddings, so there are no position vectors to show. "
              "(Without them it cannot tell “dog bites man” from “man bites dog”.)",
        "zh": "这个模型构建时没有位置嵌入，所以没有位置向量可看。（没有位置，它分不清“狗咬人”和“人咬狗”。）",
    },
    "emb.err.position": {"en": "For position vectors type a position number from 0 to {last}.",
                         "zh": "查位置向量时请输入 0 到 {last} 之间的位置编号。"},
    # --- spam classifier tab ---
    "spam.tab": {"en": "Spam classifier", "zh": "垃圾短信分类"},
    "spam.base": {"en": "Start from", "zh": "从哪个模型开始"},
    "spam.base_info": {"en": "a language model with a BPE tokenizer, or a new one trained from scratch",
                       "zh": "使用 BPE 分词器的语言模型，或从头训练一个新模型"},
    "spam.base.scratch": {"en": "a new small model, trained from scratch on the messages",
                          "zh": "一个新的小模型，在短信上从头训练"},
    "spam.base.scratch_short": {"en": "from scratch", "zh": "从头训练"},
    "spam.trainable": {"en": "What trains", "zh": "训练哪些部分"},
    "spam.trainable.last-block": {"en": "last block + final norm + head (the book's choice)",
                                  "zh": "最后一个块 + 最终归一化 + 输出层（书中的做法）"},
    "spam.trainable.head": {"en": "only the new head", "zh": "只训练新的输出层"},
    "spam.trainable.all": {"en": "everything", "zh": "全部"},
    "spam.steps": {"en": "training steps", "zh": "训练步数"},
    "spam.batch": {"en": "batch size (messages per step)", "zh": "批大小（每步的短信数）"},
    "spam.lr": {"en": "peak learning rate", "zh": "峰值学习率"},
    "spam.seed": {"en": "seed", "zh": "随机种子"},
    "spam.start": {"en": "Fine-tune", "zh": "开始微调"},
    "spam.started": {"en": "Fine-tuning started (seed {seed}).", "zh": "微调已开始（种子 {seed}）。"},
    "spam.job_label": {"en": "my spam classifier · {base}", "zh": "我的垃圾短信分类器 · {base}"},
    "spam.no_job": {"en": "No fine-tune yet: choose a base and press Fine-tune.",
                    "zh": "还没有微调：选择一个基础模型后按“开始微调”。"},
    "spam.notice.coverage": {
        "en": "This model's vocabulary has only {share:.0%} of the messages' pieces; the rest are "
              "dropped (its tokenizer was built from another text). A model with GPT-2's full BPE, or "
              "one trained from scratch here, reads them all.",
        "zh": "这个模型的词表只包含短信中 {share:.0%} 的片段，其余的会被丢掉（它的分词器是从别的文本建立的）。"
              "使用 GPT-2 完整 BPE 的模型，或在这里从头训练的模型，可以读取全部片段。",
    },
    "spam.err.char": {
        "en": "A character-level model cannot be used here: the classifier reads English messages "
              "through GPT-2's BPE tokens, and a character model has never seen those tokens.",
        "zh": "这里不能用字符级模型：分类器通过 GPT-2 的 BPE 词元读取英文短信，而字符模型从没见过这些词元。",
    },
    "spam.err.trainable": {"en": "Unknown choice of what trains: {value!r}.", "zh": "未知的训练部分选项：{value!r}。"},
    "spam.err.empty": {"en": "Type a message first.", "zh": "请先输入一条短信。"},
    "spam.err.no_classifier": {"en": "No classifier yet: fine-tune one above first.",
                               "zh": "还没有分类器：请先在上面微调一个。"},
    "spam.plot.accuracy": {"en": "Accuracy", "zh": "准确率"},
    "spam.plot.accuracy_axis": {"en": "accuracy", "zh": "准确率"},
    "spam.plot.confusion": {"en": "Test set: true class × predicted class", "zh": "测试集：真实类别 × 预测类别"},
    "spam.plot.predicted": {"en": "predicted", "zh": "预测"},
    "spam.plot.true": {"en": "true", "zh": "真实"},
    "spam.plot.cell_hover": {"en": "true %{y}, predicted %{x}: %{z}", "zh": "真实 %{y}，预测 %{x}：%{z}"},
    "spam.val_now": {"en": "Validation accuracy so far: {val:.1%}.", "zh": "目前的验证准确率：{val:.1%}。"},
    "spam.try_title": {"en": "### Try it\nType a message: the classifier gives its spam probability, and each "
                             "token is shaded by how much it pushed the verdict towards spam (red) or ham (blue), "
                             "measured by leaving that one token out.",
                       "zh": "### 试一试\n输入一条短信：分类器给出它是垃圾短信的概率，每个词元按它把判断推向垃圾（红）"
                             "或正常（蓝）的程度上色——方法是去掉这一个词元，看概率变化多少。"},
    "spam.classifier": {"en": "Classifier", "zh": "分类器"},
    "spam.classifier_info": {"en": "your fine-tuned classifiers (fine-tune one above)",
                             "zh": "你微调过的分类器（先在上面微调一个）"},
    "spam.message": {"en": "Message", "zh": "短信"},
    "spam.threshold": {"en": "threshold: spam from this probability on", "zh": "阈值：概率达到多少算垃圾短信"},
    "spam.classify": {"en": "Classify", "zh": "分类"},
    "spam.examples": {"en": "Example messages", "zh": "示例短信"},
    "spam.example.1": {"en": "You are a winner! You have been selected to receive a $1000 cash prize. Call now to claim.",
                       "zh": "You are a winner! You have been selected to receive a $1000 cash prize. Call now to claim."},
    "spam.example.2": {"en": "Hey, are we still meeting for dinner tonight? Let me know.",
                       "zh": "Hey, are we still meeting for dinner tonight? Let me know."},
    "spam.example.3": {"en": "URGENT! Your mobile number has won 2 tickets. Text WIN to 80086 now. T&Cs apply.",
                       "zh": "URGENT! Your mobile number has won 2 tickets. Text WIN to 80086 now. T&Cs apply."},
    "spam.example.4": {"en": "Sorry, I'll call you later, I'm in a meeting.",
                       "zh": "恭喜您中奖了！请回复 1 领取 1000 元现金奖励。（模型只学过英文短信，试试它怎么判断）"},
    "spam.verdict_spam": {"en": "**Spam** · probability {p:.1%} (threshold {threshold:.0%})",
                          "zh": "**垃圾短信** · 概率 {p:.1%}（阈值 {threshold:.0%}）"},
    "spam.verdict_ham": {"en": "**Ham** (not spam) · spam probability {p:.1%} (threshold {threshold:.0%})",
                         "zh": "**正常短信** · 垃圾概率 {p:.1%}（阈值 {threshold:.0%}）"},
    "spam.strongest": {"en": "The token that pushed most towards spam: `{token}` ({delta:+.2f} in log-odds, "
                             "ln(p / (1 − p)), when it is there).",
                       "zh": "最让它像垃圾短信的词元：`{token}`（有它时对数几率 ln(p / (1 − p)) 变化 {delta:+.2f}）。"},
    "spam.why_tip": {"en": "{delta:+.2f} log-odds towards {name} with this token",
                     "zh": "有这个词元时，{name} 的对数几率 {delta:+.2f}"},
    "spam.why_legend": {"en": "red: pushed towards {name}; blue: pushed away (hover for the number)",
                        "zh": "红色：推向 {name}；蓝色：推离（悬停看数值）"},
    "spam.notice.cut": {"en": "The message is {n} tokens; the classifier reads only its first {context}.",
                        "zh": "这条短信有 {n} 个词元；分类器只读取前 {context} 个。"},
    "plot.examples_seen": {"en": "examples seen", "zh": "已见样本数"},
    # --- instruction fine-tune tab ---
    "ins.tab": {"en": "Instructions", "zh": "指令微调"},
    "ins.intro": {
        "en": "Chapter 7: a pretrained GPT only continues text. **Instruction fine-tuning** trains it "
              "on examples of an instruction followed by a good response, in one fixed format "
              "(\"### Instruction: … ### Response: …\"), with the same next-token loss as "
              "pretraining, so that it learns to *answer*. The Tang-poetry tutorial does the same with "
              "\"write a poem titled …\". What to expect on a laptop: a small model learns the format and "
              "the length of an answer within minutes, and says plausible but often wrong things; "
              "GPT-2 124M (online) gives short useful answers after a few hundred steps.",
        "zh": "第 7 章：预训练的 GPT 只会续写文本。**指令微调**用“指令 + 好的回答”的例子来训练它，"
              "格式固定（“### Instruction: … ### Response: …”），损失和预训练一样是预测下一个词元，"
              "于是它学会*回答*。唐诗教程用“请用以下题目写一首诗”做同样的事。在笔记本电脑上能看到："
              "小模型几分钟内学会回答的格式和长度，说的话像样但常常不对；GPT-2 124M（需联网）"
              "训练几百步后能给出简短有用的回答。",
    },
    "ins.dataset": {"en": "Data", "zh": "数据"},
    "ins.data.book": {"en": "the book's 1,100 instructions (English)", "zh": "书中的 1,100 条指令（英文）"},
    "ins.data.tang": {"en": "Tang poems by title (请用以下题目写一首诗)", "zh": "按题目写唐诗（请用以下题目写一首诗）"},
    "ins.data.upload": {"en": "my own JSON file", "zh": "我自己的 JSON 文件"},
    "ins.upload": {"en": "JSON file: a list of {instruction, input, output}", "zh": "JSON 文件：{instruction, input, output} 的列表"},
    "ins.inspect_title": {
        "en": "### Which tokens count? The loss mask\nOne real batch of two items, token by token. The "
              "targets are the inputs shifted by one; padding after the first end-of-text becomes −100, "
              "which the loss skips. Masking the instruction too (right) makes the model learn only to "
              "write responses, not to repeat prompts.",
        "zh": "### 哪些词元算进损失？损失掩码\n一个真实的批次（两条），逐个词元展示。目标是输入右移一位；"
              "第一个结束符之后的填充变成 −100，损失会跳过它们。再把指令部分也掩掉（右边），"
              "模型就只学写回答，不学复述提示。",
    },
    "ins.inspect": {"en": "Show one batch", "zh": "显示一个批次"},
    "ins.inspect_full": {"en": "padding masked (the book's default)", "zh": "只掩码填充（书中默认）"},
    "ins.inspect_masked": {"en": "padding and instruction masked", "zh": "填充和指令都掩码"},
    "ins.inspect_item": {"en": "item {n}", "zh": "第 {n} 条"},
    "ins.inspect_input": {"en": "input token", "zh": "输入词元"},
    "ins.inspect_target": {"en": "target (−100 = not counted)", "zh": "目标（−100 = 不计入）"},
    "ins.inspect_summary": {"en": "Of {total} target positions, **{full}** count towards the loss when only padding is "
                                  "masked, **{masked}** when the instruction is masked too.",
                            "zh": "在 {total} 个目标位置中，只掩码填充时有 **{full}** 个计入损失，"
                                  "连指令一起掩码时只有 **{masked}** 个。"},
    "ins.train_title": {"en": "### Fine-tune", "zh": "### 微调"},
    "ins.base_info": {"en": "GPT-2 (online), a model you pretrained, or a new one trained from scratch",
                      "zh": "GPT-2（需联网）、你预训练的模型，或从头训练一个新模型"},
    "ins.base.scratch": {"en": "a new small model, trained from scratch on the instructions",
                         "zh": "一个新的小模型，在指令数据上从头训练"},
    "ins.mask": {"en": "mask the instruction too (learn only the responses)", "zh": "同时掩码指令（只学习回答）"},
    "ins.started": {"en": "Instruction fine-tuning started (seed {seed}).", "zh": "指令微调已开始（种子 {seed}）。"},
    "ins.job_label": {"en": "my instruction model · {data} · {base}", "zh": "我的指令模型 · {data} · {base}"},
    "ins.no_job": {"en": "No fine-tune yet: choose the data and a base, then press Fine-tune.",
                   "zh": "还没有微调：选择数据和基础模型，然后按“开始微调”。"},
    "ins.col_instruction": {"en": "instruction", "zh": "指令"},
    "ins.col_reference": {"en": "reference", "zh": "参考答案"},
    "ins.col_response": {"en": "the model's response", "zh": "模型的回答"},
    "ins.col_f1": {"en": "word overlap", "zh": "词重合度"},
    "ins.col_judge": {"en": "judge (0–100)", "zh": "评审分（0–100）"},
    "ins.at_step": {"en": "at step {step:,}", "zh": "第 {step:,} 步"},
    "ins.err.no_upload": {"en": "Choose a JSON file to upload first.", "zh": "请先选择要上传的 JSON 文件。"},
    "ins.err.few_items": {"en": "The file has {n} item(s); at least 3 are needed (training, validation, test).",
                          "zh": "文件只有 {n} 条；至少需要 3 条（训练、验证、测试）。"},
    "ins.err.dataset": {"en": "Unknown data {name!r}.", "zh": "未知的数据 {name!r}。"},
    "ins.err.char": {"en": "A character-level model cannot take the English instructions: it knows only the "
                           "characters of the text it was trained on, and reads no GPT-2 tokens.",
                     "zh": "字符级模型不能学习英文指令：它只认识训练文本里的字符，不认识 GPT-2 的词元。"},
    "ins.err.needs_tang": {"en": "The Tang variant needs a Tang character model (pretrain one on the Tang poems, or "
                                 "start from scratch): other models do not know the poems' characters.",
                           "zh": "唐诗任务需要唐诗字符模型（先在唐诗上预训练一个，或从头训练）：其他模型不认识诗里的字。"},
    "ins.err.context": {"en": "No poem fits in this model's context of {context} characters.",
                        "zh": "没有一首诗能放进这个模型 {context} 个字符的上下文。"},
    "ins.err.empty": {"en": "Type an instruction (or a title) first.", "zh": "请先输入指令（或题目）。"},
    "ins.err.judge": {"en": "The judge could not score: {reason}", "zh": "评审模型无法打分：{reason}"},
    "ins.notice.subset": {"en": "This model's vocabulary is only the tokens of its own training text: {share:.0%} of the "
                                "instructions have pieces it cannot read (dropped). GPT-2's full BPE reads them all.",
                          "zh": "这个模型的词表只有它自己训练文本中的词元：{share:.0%} 的指令里有它读不了的片段（已丢弃）。"
                                "GPT-2 的完整 BPE 能读取全部内容。"},
    "ins.notice.dropped": {"en": "{n} of {total} poems are longer than the model's context of {context} characters and "
                                 "were left out (a poem cut in half teaches nothing).",
                           "zh": "{total} 首诗中有 {n} 首超过模型 {context} 个字符的上下文，已略去（只剩半首的诗学不到东西）。"},
    "ins.notice.not_tuned": {"en": "This model is not instruction-tuned: it will continue the prompt rather than answer.",
                             "zh": "这个模型没有经过指令微调：它会续写提示，而不是回答。"},
    "ins.try_title": {"en": "### Try it\nAn instruction (and an optional input) in, the response out. For a Tang model, "
                            "type a title (simplified characters are converted).",
                      "zh": "### 试一试\n输入指令（和可选的输入），得到回答。唐诗模型请输入一个题目（简体会自动转换）。"},
    "ins.chat_model": {"en": "Model", "zh": "模型"},
    "ins.chat_info": {"en": "your instruction-tuned model appears here when its fine-tune ends",
                      "zh": "指令微调结束后，你的模型会出现在这里"},
    "ins.instruction": {"en": "Instruction (or a poem's title)", "zh": "指令（或诗的题目）"},
    "ins.default_instruction": {"en": "Rewrite the sentence using a simile.", "zh": "Rewrite the sentence using a simile."},
    "ins.input": {"en": "Input (optional)", "zh": "输入（可选）"},
    "ins.new_tokens": {"en": "tokens at most", "zh": "最多生成的词元数"},
    "ins.ask": {"en": "Respond", "zh": "回答"},
    "ins.response": {"en": "Response", "zh": "回答"},
    "ins.eval_title": {"en": "### Evaluate on the test split\nThe model answers test items it never saw; each answer is "
                             "scored by word overlap with the reference (a crude built-in score) and, if you give one, "
                             "by a judge model (any OpenAI-compatible chat endpoint, such as a local Ollama) from 0 to 100.",
                       "zh": "### 在测试集上评估\n模型回答它从没见过的测试题；每个回答按与参考答案的词重合度打分"
                             "（简单的内置分数），如果提供了评审模型（任何兼容 OpenAI 的对话接口，比如本地的 Ollama），"
                             "还会得到 0–100 的评审分。"},
    "ins.test_items": {"en": "test items", "zh": "测试条数"},
    "ins.use_judge": {"en": "also ask a judge model", "zh": "同时请评审模型打分"},
    "ins.judge_url": {"en": "judge URL (chat-completions)", "zh": "评审接口 URL（chat-completions）"},
    "ins.judge_model": {"en": "judge model", "zh": "评审模型名"},
    "ins.judge_token": {"en": "token (only if the judge needs one; used for this request only)",
                        "zh": "令牌（仅当评审接口需要；只用于这一次请求）"},
    "ins.evaluate": {"en": "Evaluate", "zh": "评估"},
    "ins.eval_summary": {"en": "{n} test item(s): mean word overlap **{f1:.2f}**.", "zh": "{n} 条测试题：平均词重合度 **{f1:.2f}**。"},
    "ins.eval_judge": {"en": "Judge's mean score **{score:.1f}** / 100 over {n}.", "zh": "评审模型对 {n} 条的平均分 **{score:.1f}** / 100。"},
    # --- export ---
    "exp.title": {"en": "Take it away: transformers and the Hub", "zh": "带走模型：transformers 与 Hub"},
    "exp.intro": {"en": "A zip of a folder that transformers' `GPT2LMHeadModel.from_pretrained` loads, with "
                        "GPT-2's tokenizer files and a model card (a character model brings its vocabulary, "
                        "which the app loads back). Give a repo and a token to upload it to the Hugging Face "
                        "Hub; the token is used for that upload only.",
                  "zh": "打包成一个文件夹，transformers 的 `GPT2LMHeadModel.from_pretrained` 可以直接加载，"
                        "附带 GPT-2 分词器文件和模型卡（字符模型带上自己的字表，应用可以再加载回来）。"
                        "填写仓库名和令牌即可上传到 Hugging Face Hub；令牌只用于这一次上传。"},
    "exp.button": {"en": "Export for transformers (zip)", "zh": "导出为 transformers 格式（zip）"},
    "exp.repo": {"en": "Hub repo (user/name)", "zh": "Hub 仓库（用户/名称）"},
    "exp.token": {"en": "Hub token with write access (used once, not kept)", "zh": "有写权限的 Hub 令牌（只用一次，不保存）"},
    "exp.push": {"en": "Export and push to the Hub", "zh": "导出并上传到 Hub"},
    "exp.file": {"en": "transformers folder (zip)", "zh": "transformers 文件夹（zip）"},
    "exp.done": {"en": "Exported the model at step {step:,}: download the zip below.",
                 "zh": "已导出第 {step:,} 步的模型：请在下方下载 zip。"},
    "exp.pushed": {"en": "Uploaded: {url}", "zh": "已上传：{url}"},
    "exp.err": {"en": "The model could not be exported: {reason}", "zh": "无法导出模型：{reason}"},
    "exp.err_hub": {"en": "{reason}", "zh": "{reason}"},
    # --- errors shared by tabs ---
    "err.empty_text": {"en": "Please type some text first.", "zh": "请先输入一些文本。"},
    "err.too_long": {
        "en": "The text is too long ({n:,} characters); at most {limit:,} are shown here.",
        "zh": "文本太长（{n:,} 个字符）；这里最多显示 {limit:,} 个。",
    },
    # --- jobs: how a job ended (each failure's headline, what a stop skipped, the kept model) ---
    "job.failed.killed": {"en": "⚠ **killed** at step {step:,}: the job's process was ended from outside, "
                                "most often by the system because memory ran out",
                          "zh": "⚠ **被终止**：第 {step:,} 步。任务进程被外部结束，最常见的原因是系统内存不足"},
    "job.failed.crashed": {"en": "⚠ **crashed** at step {step:,}: an error inside the job ended it",
                           "zh": "⚠ **出错停止**：第 {step:,} 步。任务内部发生错误"},
    "job.failed.exited": {"en": "⚠ **ended unexpectedly** at step {step:,}: the job's process exited without a word",
                          "zh": "⚠ **意外结束**：第 {step:,} 步。任务进程没有说明原因就退出了"},
    "job.failed.not_started": {"en": "⚠ **could not start**: the job's process could not be started",
                               "zh": "⚠ **无法启动**：任务进程没能启动"},
    "job.failed.no_memory": {"en": "⚠ **not started: not enough memory**. When its turn in the queue came, "
                                   "the memory it needs was not free",
                             "zh": "⚠ **未启动：内存不足**。轮到它时，所需的内存已经不够"},
    "job.skipped": {"en": "To stop in time it skipped {what}.", "zh": "为了及时停止，跳过了{what}。"},
    "job.skipped.final_evaluation": {"en": "the final evaluation", "zh": "最后一次评估"},
    "job.skipped.optimizer_state": {"en": "saving the optimizer state (Save gives the weights only)",
                                    "zh": "保存优化器状态（“保存”只给出权重）"},
    "job.kept": {"en": "Its weights at step {step:,} are kept in your models list.",
                 "zh": "第 {step:,} 步的权重已保留在你的模型列表中。"},
    "job.not_kept": {"en": "Its model was not kept: the memory the server keeps for everyone's models is full. "
                           "Press Save to download it.",
                     "zh": "模型没有保留：服务器为所有人保留模型的内存已满。请按“保存”下载它。"},
    "err.models_full": {"en": "This model needs {needed} of memory, more than the server can keep for models "
                              "({room} of {limit} can be freed). Load a smaller one.",
                        "zh": "这个模型需要 {needed} 内存，超过服务器能为模型保留的空间（{limit} 中最多能腾出 {room}）。"
                              "请加载一个更小的模型。"},
    # --- classroom: the header, workshop links, lesson cards, data, translated core messages ---
    "link.button": {"en": "Copy a link to this setup", "zh": "复制这套设置的链接"},
    "link.box": {"en": "Link to this tab with these settings (share it with the room)",
                 "zh": "打开本页并带上这些设置的链接（可以分享给全班）"},
    "link.notice.tab": {"en": "The link names a tab “{value}” that does not exist: opening {default}.",
                        "zh": "链接里的标签页“{value}”不存在：已打开“{default}”。"},
    "link.notice.lang": {"en": "The link asks for the language “{value}”, which is not available: "
                               "use lang=zh or lang=en.",
                         "zh": "链接要求的语言“{value}”不可用：请用 lang=zh 或 lang=en。"},
    "link.notice.unknown": {"en": "The link's setting “{name}” is not one of the {tab} tab's: it was left out.",
                            "zh": "链接里的设置“{name}”不属于“{tab}”页：已忽略。"},
    "link.notice.range": {"en": "The link's {name} = “{value}” is not a value from {low} to {high} on "
                                "the slider's steps: using {default}.",
                          "zh": "链接里的 {name} = “{value}” 不是 {low} 到 {high} 之间、符合滑块步长的值：已改用 {default}。"},
    "link.notice.choice": {"en": "The link's {name} = “{value}” is not one of the choices: using {default}.",
                           "zh": "链接里的 {name} = “{value}” 不在可选项中：已改用 {default}。"},
    "link.notice.private": {"en": "Pasted or uploaded text cannot travel in a link: the link uses {default}.",
                            "zh": "粘贴或上传的文本无法放进链接：链接里改用 {default}。"},
    "prompt.stays_english": {
        "en": "The example stays in English: this model did not learn Chinese (the default untrained "
              "model knows only the tokens of *The Verdict*, so a Chinese prompt would leave it nothing "
              "to read). Pick a model trained on the Tang poems to try a Chinese prompt.",
        "zh": "示例保持英文：这个模型没有学过中文（默认的未训练模型只认识《The Verdict》里的英文词元，"
              "中文提示会让它无字可读）。选一个用唐诗训练的模型，就可以试中文提示了。",
    },
    # core's messages and a job's end reasons, by kind (playground/errors.py CORE_MESSAGES)
    "core.join": {"en": "; ", "zh": "；"},
    "core.untranslated": {"en": "{text}", "zh": "（英文原文）{text}"},
    "core.stopped": {"en": "stopped by request", "zh": "按要求停止"},
    "core.stopped_early": {"en": "stopped before it started", "zh": "在开始之前就停止了"},
    "core.loss_nan": {"en": "the loss became {value} at step {step}", "zh": "第 {step} 步时损失变成了 {value}"},
    "core.loss_exploded": {"en": "the loss exploded to {value} at step {step} (chance is {chance}): "
                                 "the learning rate is too high",
                           "zh": "第 {step} 步时损失爆炸到 {value}（随机猜测是 {chance}）：学习率太高了"},
    "core.gradient": {"en": "the gradient became {value} at step {step}", "zh": "第 {step} 步时梯度变成了 {value}"},
    "core.other_process": {"en": "another process saw the loss diverge", "zh": "另一个进程发现损失发散了"},
    "core.weights_reset": {"en": "the weights were reset to the last healthy evaluation",
                           "zh": "权重已恢复到最近一次正常评估时的状态"},
    "core.killed_oom": {"en": "training stopped unexpectedly: the operating system ended the job's process, "
                              "most often because memory ran out. Try a smaller model, batch or context.",
                        "zh": "训练意外停止：操作系统结束了训练进程，最常见的原因是内存不够。试试更小的模型、批量或上下文。"},
    "core.killed": {"en": "training stopped unexpectedly: the job's process was ended ({signal})",
                    "zh": "训练意外停止：训练进程被结束了（{signal}）"},
    "core.exit_code": {"en": "training stopped unexpectedly: the job's process exited with code {code}",
                       "zh": "训练意外停止：训练进程退出，代码 {code}"},
    "core.died": {"en": "training stopped unexpectedly; the error was logged. Start again, or change the settings.",
                  "zh": "训练意外停止，错误已记录。请重新开始，或修改设置。"},
    "core.no_start": {"en": "the job could not start; the error was logged. Try again in a moment.",
                      "zh": "训练任务无法启动，错误已记录。请稍后再试。"},
    "core.text_not_str": {"en": "the text must be text", "zh": "文本必须是文字"},
    "core.text_binary": {"en": "the text contains NUL bytes: it looks like a binary file, not text",
                         "zh": "文本里有 NUL 字节：这看起来是二进制文件，不是文本"},
    "core.text_short": {"en": "the text is too short: give at least {n} characters",
                        "zh": "文本太短：至少需要 {n} 个字符"},
    "core.text_long": {"en": "the text is too long: at most {n} characters", "zh": "文本太长：最多 {n} 个字符"},
    "core.file_large": {"en": "the file is too large: {size} bytes, at most {limit}",
                        "zh": "文件太大：{size} 字节，最多 {limit}"},
    "core.file_not_utf8": {"en": "the file is not UTF-8 text (is it a binary file?)",
                           "zh": "文件不是 UTF-8 文本（是二进制文件吗？）"},
    "core.json_invalid": {"en": "the file is not valid JSON (line {line}, column {column})",
                          "zh": "文件不是有效的 JSON（第 {line} 行，第 {column} 列）"},
    "core.json_not_list": {"en": "the file must hold a JSON list of {{instruction, input, output}} items",
                           "zh": "文件里必须是由 {{instruction, input, output}} 条目组成的 JSON 列表"},
    "core.json_too_many": {"en": "the file has {n} items; at most {limit} are accepted",
                           "zh": "文件有 {n} 条；最多接受 {limit} 条"},
    "core.item_not_object": {"en": "item {n} is not an object with instruction, input and output",
                             "zh": "第 {n} 条不是含 instruction、input、output 的对象"},
    "core.item_field": {"en": "item {n} needs a text '{field}'", "zh": "第 {n} 条需要文本字段“{field}”"},
    "core.item_long": {"en": "item {n}'s '{field}' is longer than {limit} characters",
                       "zh": "第 {n} 条的“{field}”超过 {limit} 个字符"},
    "core.heads_divide": {"en": "the embedding size ({emb}) must be divisible by the number of heads ({heads}): "
                                "each head gets an equal share of it",
                          "zh": "嵌入维度（{emb}）必须能被注意力头数（{heads}）整除：每个头分到相同的一份"},
    "core.split.training": {"en": "training", "zh": "训练"},
    "core.split.validation": {"en": "validation", "zh": "验证"},
    "core.split_short": {"en": "the {what} split has {n} tokens, fewer than one window of context {context} + 1: "
                               "use a shorter context or more text (otherwise its loss cannot be measured)",
                         "zh": "{what}集只有 {n} 个词元，不够一个上下文窗口（{context} + 1）：请缩短上下文或提供更多文本"
                               "（否则无法计算它的损失）"},
    "core.few_tokens": {"en": "the text gives fewer than 2 tokens with this tokenizer",
                        "zh": "用这个分词器，这段文本不到 2 个词元"},
    "core.hub": {"en": "{repo} could not be downloaded from the Hugging Face Hub (or the mirror named by "
                       "HF_ENDPOINT). Check the network, or ask whoever runs this app to set HF_ENDPOINT to a "
                       "mirror. Models trained here keep working offline.",
                 "zh": "无法从 Hugging Face Hub（或 HF_ENDPOINT 指定的镜像）下载 {repo}。请检查网络，或请运行本应用的人"
                       "把 HF_ENDPOINT 设为一个镜像。在这里训练的模型离线也能用。"},
    "core.data_missing": {"en": "The data “{name}” is missing from this installation, so this lesson cannot start. "
                                "Reinstall LLM Playground (the data ships with it), or ask whoever runs it to set "
                                "{env} to a folder that holds {file}.",
                          "zh": "这次安装缺少数据“{name}”，所以这一课无法开始。请重新安装 LLM Playground（数据随应用提供），"
                                "或请运行本应用的人把 {env} 设为包含 {file} 的文件夹。"},
    "core.data_damaged": {"en": "The data “{name}” on this machine does not match the published file (it may be "
                                "damaged or another version), so it was not used. Ask whoever runs this app to "
                                "replace {file} or reinstall.",
                          "zh": "本机上的数据“{name}”与发布的文件不一致（可能已损坏或版本不同），所以没有使用。"
                                "请运行本应用的人替换 {file}，或重新安装。"},
    "lesson.title": {"en": "Lesson card: things to try", "zh": "课堂卡片：试一试"},
    "tok.card": {
        "en": "**Try**\n"
              "1. Type 你好 and a word like *unbelievable*: BPE cuts the rare word into pieces and "
              "each Chinese character into UTF-8 byte pieces (shown as `<e4 bd>`).\n"
              "2. Put `<|endoftext|>` in the text: BPE reads it as one token, id 50256.\n"
              "3. Build the character vocabulary from the Tang poems: English letters become unknown.\n\n"
              "**Look for** the counts: how many characters one BPE token holds, in English and in "
              "Chinese.",
        "zh": "**试一试**\n"
              "1. 输入“你好”和一个长单词（如 *unbelievable*）：BPE 把少见的词切成几片，把每个汉字切成"
              " UTF-8 字节片段（显示为 `<e4 bd>`）。\n"
              "2. 在文本里加上 `<|endoftext|>`：BPE 把它当作一个词元，id 是 50256。\n"
              "3. 把字符表来源换成“唐诗”：英文字母都成了不认识的字符。\n\n"
              "**留意**统计行：一个 BPE 词元平均装几个字符，英文和中文各是多少。",
    },
    "pre.card": {
        "en": "**Try**\n"
              "1. *From gibberish to poet*: pick the Tang poems and press Start. Watch the samples: "
              "random characters, then punctuation, then lines of five or seven characters.\n"
              "2. *Words, then overfitting*: on The Verdict, words appear within seconds; after about "
              "half a minute the validation loss turns up while the training loss keeps falling.\n"
              "3. Set the learning rate to 0.5 and start again: the run stops and says the loss "
              "exploded.\n\n"
              "**Look for** the gap between the two curves, and what the samples look like at each "
              "loss.",
        "zh": "**试一试**\n"
              "1. **从胡言乱语到诗人**：选唐诗，按开始。看样本：先是乱字，然后学会标点，再写出五言、七言的句子。\n"
              "2. **先学会词，再过拟合**：用《The Verdict》训练，几秒钟就出现单词；大约半分钟后，验证损失开始上升，"
              "训练损失却还在下降。\n"
              "3. 把学习率设成 0.5 再训练：运行会停下，并说明损失爆炸了。\n\n"
              "**留意**两条曲线之间的差距，以及每个损失值下样本是什么样子。",
    },
    "samp.card": {
        "en": "**Try**\n"
              "1. Set the temperature to 0: the same token wins every time and the text soon repeats.\n"
              "2. Raise the temperature to 2 and generate: the bars flatten and the text goes wild.\n"
              "3. With temperature 1, set top-k to 5, then top-p to 0.5: watch how many tokens stay "
              "in the running.\n\n"
              "**Look for** the entropy line: how uncertain the model is before and after each filter.",
        "zh": "**试一试**\n"
              "1. 把温度设为 0：每次都是同一个词元胜出，文本很快开始重复。\n"
              "2. 把温度调到 2 再生成：柱子变平，文本变得天马行空。\n"
              "3. 温度为 1 时，把 top-k 设为 5，再把 top-p 设为 0.5：看还剩几个词元可选。\n\n"
              "**留意**熵那一行：每一步筛选前后，模型有多不确定。",
    },
    "att.card": {
        "en": "**Try**\n"
              "1. Show the attention of GPT-2 or your trained model and find *the head that looks at "
              "the previous token*: the text under the grid names it.\n"
              "2. Look at the upper-right half of every map: it is empty, because a token may not "
              "look ahead (the causal mask).\n"
              "3. Start a Pretrain run and scrub the time-lapse: the patterns form as the loss falls.\n\n"
              "**Look for** heads that put most of their attention on the first token: a resting place, "
              "not a meaning.",
        "zh": "**试一试**\n"
              "1. 查看 GPT-2 或你训练的模型的注意力，找到**只看前一个词元的头**：网格下面的文字会指出它。\n"
              "2. 看每张图的右上半部分：都是空的，因为词元不能往后看（因果掩码）。\n"
              "3. 在预训练页开始训练，然后拖动延时摄影：随着损失下降，注意力的模式逐渐形成。\n\n"
              "**留意**那些把大部分注意力放在第一个词元上的头：那是个“歇脚处”，并没有什么含义。",
    },
    "spam.card": {
        "en": "**Try**\n"
              "1. Start with a new small model: test accuracy climbs above 95% in under a minute.\n"
              "2. Classify the first example, then replace *winner* with *friend*: *the spam token that "
              "tips the verdict* is shaded darkest.\n"
              "3. Move the threshold and read the confusion matrix again.\n\n"
              "**Look for** which words push towards spam, and which messages it gets wrong.",
        "zh": "**试一试**\n"
              "1. 从一个新的小模型开始：不到一分钟，测试准确率就超过 95%。\n"
              "2. 判断第一条示例，再把 *winner* 换成 *friend*：**让判断翻转的垃圾词元**颜色最深。\n"
              "3. 移动阈值，再看一次混淆矩阵。\n\n"
              "**留意**哪些词把判断推向垃圾短信，以及它会判错哪些短信。",
    },
    "ins.card": {
        "en": "**Try**\n"
              "1. Inspect a batch: with the instruction masked, its targets become −100 and only the "
              "response counts towards the loss.\n"
              "2. Fine-tune twice, with and without the mask, and compare the three answers.\n"
              "3. Choose the Tang poems and ask for a poem titled 秋夜.\n\n"
              "**Look for** when the answers start to follow the instruction's form.",
        "zh": "**试一试**\n"
              "1. 查看一个批次：掩码指令后，它的目标变成 −100，只有回答计入损失。\n"
              "2. 分别在掩码和不掩码的情况下各微调一次，比较那三条回答。\n"
              "3. 选唐诗数据，请模型以“秋夜”为题写一首诗。\n\n"
              "**留意**回答从什么时候开始符合指令要求的格式。",
    },
    "gd.card": {
        "en": "**Try**\n"
              "1. Fit y = a·x from a = 1 with the default rate: a walks down the parabola to about 2.\n"
              "2. Raise the learning rate past the critical rate in its help text: a jumps over the "
              "bottom, further each step, and diverges.\n"
              "3. Set the batch to 1: one point fits infinitely many lines, so the steps wander; "
              "several points pin the line down.\n\n"
              "**Look for** the factor 1 − 2η·mean(x²): below 1 in size the run settles, above it explodes.",
        "zh": "**试一试**\n"
              "1. 从 a = 1 开始用默认学习率拟合 y = a·x：a 沿着抛物线走到 2 附近。\n"
              "2. 把学习率调过说明里的临界学习率：a 越过最低点，一步比一步跳得远，最后发散。\n"
              "3. 把批量设为 1：一个点可以拟合无数条直线，所以步子来回摇摆；几个点放在一起才能把直线定下来。\n\n"
              "**留意**系数 1 − 2η·mean(x²)：绝对值小于 1 就收敛，大于 1 就爆炸。",
    },
    # --- the edges a user reaches: loading an exported zip, spam duplicates, a bounded "why" ---
    "pre.load_any": {"en": "Load a checkpoint (.safetensors) or an exported model (.zip)",
                     "zh": "加载检查点（.safetensors）或导出的模型（.zip）"},
    "pre.err.not_loadable": {
        "en": "Only .safetensors checkpoints and the .zip that Export gives can be loaded (never pickle files).",
        "zh": "只能加载 .safetensors 检查点和“导出”得到的 .zip（从不加载 pickle 文件）。",
    },
    "spam.notice.explained": {
        "en": "The shading explains the first {shown} of the {n} tokens: leaving one token out costs a "
              "pass of the model over the whole message, so a long message on a large model gets only "
              "its first tokens explained per click. The others are shown plain.",
        "zh": "颜色只解释了 {n} 个词元中的前 {shown} 个：每去掉一个词元，模型就要把整条短信再读一遍，"
              "所以大模型上的长短信每次点击只解释开头几个词元。其余的不上色。",
    },
    "spam.why_skipped": {"en": "not explained (see the note below)", "zh": "未解释（见下方说明）"},
    "spam.intro_clean": {
        "en": "Chapter 6: turn a GPT into a **classifier**. Its output head (one score per "
              "vocabulary token) is swapped for a small one with two scores, *ham* and *spam*, read "
              "at the message's last token, the only position that has seen the whole message. "
              "Usually only the top trains (the last block, the final norm and the new head): the "
              "lower blocks keep what **pretraining** taught them about language, which is why a "
              "pretrained base learns from 914 messages what a random one cannot. The SMS Spam "
              "Collection repeats 403 of its 5,574 messages word for word; they are removed before "
              "the book's split, so no test message is a copy of a training one (914 / 130 / 262 "
              "messages, half of them spam). Offline, a new small model with the messages' own "
              "vocabulary, trained from scratch, reached 97.3–98.5 % on the test messages in "
              "our runs (4 seeds).",
        "zh": "第 6 章：把 GPT 变成**分类器**。它的输出层（每个词元一个分数）被换成只有两个分数的小输出层："
              "*正常*（ham）和*垃圾*（spam），在短信的最后一个词元处读取——只有这个位置看过整条短信。"
              "通常只训练顶部（最后一个块、最终归一化层和新的输出层）：下面的块保留了**预训练**学到的语言知识，"
              "所以一个预训练过的模型能从 914 条短信里学会随机模型学不会的东西。SMS Spam Collection 的 "
              "5,574 条短信中有 403 条是逐字重复的；按书中方法划分之前先把它们去掉，所以没有一条测试短信是"
              "训练短信的副本（914 / 130 / 262 条，一半是垃圾短信）。离线时，用短信自己的词表从头训练一个"
              "小模型，我们的运行（4 个种子）在测试短信上达到 97.3–98.5%。",
    },
    "spam.results_clean": {
        "en": "**Test accuracy {test:.1%}** on {n} messages, none of them a copy of a training message "
              "(validation {val:.1%}). The book reports 95.67 % with GPT-2 124M, on its own split, "
              "which kept the collection's repeated messages.",
        "zh": "在 {n} 条短信上**测试准确率 {test:.1%}**，其中没有一条是训练短信的副本（验证集 {val:.1%}）。"
              "书中用 GPT-2 124M 得到 95.67%，那是在它自己的划分上，保留了数据集里重复的短信。",
    },
    # --- Inside the GPT and Embeddings as classroom tabs: the analogy's example words (the
    # words GPT-2 reads, the same in both languages) ---
    "emb.default_a": {"en": "king", "zh": "king"},
    "emb.default_b": {"en": "man", "zh": "man"},
    "emb.default_c": {"en": "woman", "zh": "woman"},
    "emb.default_expected": {"en": "queen", "zh": "queen"},
    # --- instructor view and class run (playground/instructor.py, the Pretrain tab) ---
    "room.title": {"en": "Instructor view", "zh": "教师视图"},
    "room.intro": {
        "en": "Every job in the room, refreshed every two seconds. Learners appear under a short "
              "label that changes when the server restarts; their keys are never shown.",
        "zh": "教室里的每个训练任务，每两秒刷新一次。学员以一个简短标签显示（服务器重启后会变），"
              "从不显示学员的密钥。",
    },
    "room.login": {
        "en": "LLM Playground · instructor view: type the instructor token as the password "
              "(any user name).",
        "zh": "大模型游乐场 · 教师视图：在密码框中输入教师令牌（用户名任意）。",
    },
    "room.summary": {
        "en": "**{learners}** learner(s) · **{running}** training · **{queued}** waiting · memory: "
              "server {server}, training processes {jobs}, kept models {models}, free {free}",
        "zh": "**{learners}** 位学员 · **{running}** 个正在训练 · **{queued}** 个排队 · 内存：服务器 "
              "{server}，训练进程 {jobs}，保存的模型 {models}，可用 {free}",
    },
    "room.no_jobs": {"en": "No jobs yet.", "zh": "还没有训练任务。"},
    "room.col.learner": {"en": "Learner", "zh": "学员"},
    "room.col.kind": {"en": "Kind", "zh": "类型"},
    "room.col.state": {"en": "State", "zh": "状态"},
    "room.col.loss": {"en": "Loss", "zh": "损失"},
    "room.col.tps": {"en": "Tokens/s", "zh": "词元/秒"},
    "room.col.time": {"en": "Time", "zh": "时间"},
    "room.col.curve": {"en": "Loss curve", "zh": "损失曲线"},
    "room.kind_other": {"en": "Other", "zh": "其他"},
    "room.waiting": {"en": "#{n} in the queue · starts in about {wait}",
                     "zh": "排队第 {n} 位 · 约 {wait} 后开始"},
    "room.left": {"en": "{eta} left", "zh": "还剩 {eta}"},
    "room.job": {"en": "Job", "zh": "任务"},
    "room.pause": {"en": "Pause", "zh": "暂停"},
    "room.resume": {"en": "Resume", "zh": "继续"},
    "room.stop": {"en": "Stop", "zh": "停止"},
    "room.pause_all": {"en": "Pause all", "zh": "全部暂停"},
    "room.stop_all": {"en": "Stop all", "zh": "全部停止"},
    "room.paused": {"en": "Paused {label}.", "zh": "已暂停 {label}。"},
    "room.resumed": {"en": "Resumed {label}.", "zh": "已继续 {label}。"},
    "room.stopped": {"en": "Stopped {label}: its model is kept.",
                     "zh": "已停止 {label}：它的模型已保留。"},
    "room.paused_all": {"en": "Paused {n} job(s).", "zh": "已暂停 {n} 个任务。"},
    "room.stopped_all": {"en": "Stopped {n} job(s); each keeps its model.",
                         "zh": "已停止 {n} 个任务；每个都保留了模型。"},
    "room.pick_job": {"en": "Pick a job first (it may have ended and gone).",
                      "zh": "请先选择一个任务（它可能已经结束并被清除）。"},
    "room.class_title": {"en": "Class run", "zh": "全班训练"},
    "room.class_intro": {
        "en": "One run the whole room watches: every learner's Pretrain tab can follow it live "
              "(its curve and samples) without a training slot of their own, and when it ends its "
              "model is offered in every learner's pickers as the class model.",
        "zh": "全班一起看的一次训练：每位学员都能在“预训练”页实时跟随它（损失曲线和样本），"
              "不占自己的训练名额；训练结束后，它的模型会作为全班模型出现在每位学员的模型选择器里。",
    },
    "room.class_corpus": {"en": "Text of a new class run", "zh": "新的全班训练所用文本"},
    "room.class_start": {"en": "Start a class run", "zh": "开始全班训练"},
    "room.make_class": {"en": "Make it the class run", "zh": "设为全班训练"},
    "room.class_label": {"en": "class run · {corpus}", "zh": "全班训练 · {corpus}"},
    "room.class_started": {"en": "The class run has started: every learner can follow it now.",
                           "zh": "全班训练已开始：每位学员现在都可以跟随它。"},
    "room.class_queued": {"en": "The class run waits for a free slot: {n} job(s) ahead.",
                          "zh": "全班训练在等待空闲名额：前面还有 {n} 个任务。"},
    "room.class_marked": {"en": "{label}'s job is now the class run.",
                          "zh": "{label} 的任务现在是全班训练。"},
    "room.class_none": {"en": "No class run yet.", "zh": "还没有全班训练。"},
    "room.class_status": {"en": "**Class run**: {label} · {state} · step {step} / {max_steps}",
                          "zh": "**全班训练**：{label} · {state} · 第 {step} / {max_steps} 步"},
    "room.class_model": {"en": "Its model is in every learner's pickers as “{name}”.",
                         "zh": "它的模型已作为“{name}”出现在每位学员的模型选择器里。"},
    "class.follow": {"en": "Follow the class run", "zh": "跟随全班训练"},
    "class.follow_info": {
        "en": "Watch the instructor's run live, its curve and samples, without a training slot "
              "of your own. Untick to see your own job again.",
        "zh": "实时观看老师的训练（损失曲线和样本），不占你自己的训练名额。取消勾选即可回到你自己的任务。",
    },
    "class.none": {"en": "There is no class run at the moment: the instructor starts one.",
                   "zh": "目前没有全班训练：由老师发起。"},
    "class.following": {"en": "You are following the **class run**.",
                        "zh": "你正在跟随**全班训练**。"},
    "picker.class": {"en": "Class model · {label}", "zh": "全班模型 · {label}"},
    "pre.queue_wait": {"en": "It should start in about {wait} (an estimate from the jobs ahead).",
                       "zh": "预计约 {wait} 后开始（根据前面的任务估算）。"},
    # --- preference alignment tab (DPO): prefer five-character poems ---
    "dpo.tab": {"en": "Alignment (DPO)", "zh": "偏好对齐（DPO）"},
    "dpo.intro": {
        "en": "The Tang tutorial's third stage: after pretraining and instruction tuning, teach the "
              "model to **prefer** one kind of answer. Each pair is two answers to one instruction, a "
              "five-character poem (chosen) and another poem (rejected). **Direct Preference "
              "Optimization** compares how much more the model likes each answer than a frozen copy of "
              "where it started (the *reference*): β × that log-ratio is the answer's **reward**, and the "
              "loss −ln σ(chosen reward − rejected reward) pushes the chosen one above. At the start the "
              "model is the reference: both rewards are 0 and the loss is ln 2 ≈ 0.693.",
        "zh": "唐诗教程的第三阶段：预训练和指令微调之后，教模型**偏好**某一类回答。每一对是同一条指令的两个回答："
              "一首五言诗（选中）和另一首诗（拒绝）。**直接偏好优化**（DPO）比较模型对每个回答的喜爱程度比一个冻结的"
              "初始副本（*参考模型*）多了多少：β × 这个对数比就是回答的**奖励**，损失 −ln σ(选中奖励 − 拒绝奖励) "
              "把选中的回答推到上面。开始时模型就是参考模型：两个奖励都是 0，损失是 ln 2 ≈ 0.693。",
    },
    "dpo.base": {"en": "Instruction-tuned model to align", "zh": "要对齐的指令微调模型"},
    "dpo.base_info": {
        "en": "Only your models tuned on the Tang instructions are listed (Instructions tab, Tang poems).",
        "zh": "只列出你在唐诗指令上微调过的模型（“指令微调”页，唐诗数据）。",
    },
    "dpo.pairs_title": {"en": "### 1. The pairs", "zh": "### 1. 偏好对"},
    "dpo.show_pairs": {"en": "Show pairs", "zh": "查看偏好对"},
    "dpo.pairs_summary": {
        "en": "**{train:,}** training pairs and **{val:,}** evaluation pairs fit this model's context of "
              "{context} characters whole (instruction, title, poem, end-of-text), with every character in "
              "its vocabulary; a pair that would be cut is left out. Each pair is two answers to one "
              "instruction: the rejected poem's lines are put under the chosen poem's title. "
              "Log-probabilities are averaged over each answer's characters, so an answer is not "
              "preferred for being short.",
        "zh": "有 **{train:,}** 个训练对和 **{val:,}** 个评估对能完整放进这个模型 {context} 个字符的上下文（指令、"
              "题目、诗和结束符），而且每个字都在它的词表里；会被截断的对不用。每一对都是同一条指令的两个回答："
              "被拒绝那首诗的诗句放在选中那首诗的题目下。对数概率按每个回答的字数取平均，所以回答不会因为短而被偏好。",
    },
    "dpo.own_title": {"en": "Make a pair of your own", "zh": "自己做一个偏好对"},
    "dpo.own_instruction": {"en": "Title (the instruction)", "zh": "题目（指令）"},
    "dpo.own_a": {"en": "Answer A", "zh": "回答 A"},
    "dpo.own_b": {"en": "Answer B", "zh": "回答 B"},
    "dpo.own_better": {"en": "Which answer is better?", "zh": "哪个回答更好？"},
    "dpo.own_add": {"en": "Add the pair to the next run", "zh": "把这一对加入下一次训练"},
    "dpo.own_added": {"en": "Added: {n} pair(s) of your own will join the next run's training pairs.",
                      "zh": "已加入：下一次训练会包含你自己的 {n} 个偏好对。"},
    "dpo.train_title": {"en": "### 2. Align", "zh": "### 2. 对齐"},
    "dpo.beta": {"en": "β (strength of the pull from the reference)", "zh": "β（离开参考模型的力度）"},
    "dpo.beta_info": {
        "en": "Above 0. Small β: the rewards are small, so the model must move far from the reference "
              "to separate the answers.",
        "zh": "必须大于 0。β 小时奖励小，模型要离参考模型很远才能把两个回答分开。",
    },
    "dpo.start": {"en": "Start alignment", "zh": "开始对齐"},
    "dpo.no_job": {"en": "No alignment run yet: pick a model, then Start.",
                   "zh": "还没有对齐任务：先选一个模型，再点“开始对齐”。"},
    "dpo.started": {
        "en": "Alignment started on {n:,} training pairs ({own} of your own), seed {seed}.",
        "zh": "对齐已开始，共 {n:,} 个训练对（其中 {own} 个是你自己的），种子 {seed}。",
    },
    "dpo.job_label": {"en": "aligned {base} (β {beta:g})", "zh": "对齐的 {base}（β {beta:g}）"},
    "dpo.status_eval": {
        "en": "last evaluation: DPO loss training {train:.3f} · evaluation {val:.3f} (start: ln 2 = 0.693) · "
              "margin {margin:+.3f} · preference accuracy {accuracy:.0%} · five-character poems {share:.0%}",
        "zh": "最近一次评估：DPO 损失 训练 {train:.3f} · 评估 {val:.3f}（起点 ln 2 = 0.693）· 奖励差 {margin:+.3f} · "
              "偏好准确率 {accuracy:.0%} · 五言诗 {share:.0%}",
    },
    "dpo.too_far": {
        "en": "**Too far.** The margin can keep rising while the poems get worse (repeated characters, "
              "broken lines): the model pushes the rejected answers down faster than it lifts the chosen "
              "ones, and drifts from the reference. The usual sign is the dotted line, the model's mean "
              "log-probability of the *chosen* answers, falling. A very small β or a long run shows it; "
              "stop when it falls.",
        "zh": "**走得太远**。奖励差可以一直上升，而诗却越写越差（重复的字、断掉的句子）：模型压低被拒绝回答的速度比"
              "抬高选中回答更快，离参考模型越来越远。常见的信号是那条虚线——模型对*选中*回答的平均对数概率——在下降。"
              "β 很小或训练很久都会出现；它下降时就该停了。",
    },
    "dpo.poems_at": {"en": "Poems for the fixed titles at step {step}", "zh": "第 {step} 步时固定题目的诗"},
    "dpo.compare_title": {"en": "### 3. Before and after", "zh": "### 3. 对齐前后"},
    "dpo.compare": {"en": "Compare before and after", "zh": "比较对齐前后"},
    "dpo.compare_summary": {
        "en": "Five-character poems for the same {n} titles and seed {seed}: **{before:.0%} before** "
              "alignment, **{after:.0%} after**.",
        "zh": "同样 {n} 个题目、种子 {seed}：五言诗对齐前 **{before:.0%}**，对齐后 **{after:.0%}**。",
    },
    "dpo.col_title": {"en": "Title", "zh": "题目"},
    "dpo.col_chosen": {"en": "Chosen (five-character)", "zh": "选中（五言）"},
    "dpo.col_rejected": {"en": "Rejected", "zh": "拒绝"},
    "dpo.col_poem": {"en": "Poem", "zh": "诗"},
    "dpo.col_five": {"en": "Five-character", "zh": "五言"},
    "dpo.col_before": {"en": "Before alignment", "zh": "对齐前"},
    "dpo.col_after": {"en": "After alignment", "zh": "对齐后"},
    "dpo.plot.rewards_title": {"en": "Rewards and margin", "zh": "奖励与奖励差"},
    "dpo.plot.preference_title": {"en": "Preference and form", "zh": "偏好与格式"},
    "dpo.plot.chosen": {"en": "chosen reward", "zh": "选中奖励"},
    "dpo.plot.rejected": {"en": "rejected reward", "zh": "拒绝奖励"},
    "dpo.plot.margin": {"en": "margin", "zh": "奖励差"},
    "dpo.plot.chosen_logprob": {"en": "log-prob of chosen (right)", "zh": "选中回答的对数概率（右轴）"},
    "dpo.plot.step": {"en": "step", "zh": "步数"},
    "dpo.plot.reward": {"en": "reward (β · log-ratio)", "zh": "奖励（β · 对数比）"},
    "dpo.plot.logprob": {"en": "mean log-probability", "zh": "平均对数概率"},
    "dpo.plot.train_accuracy": {"en": "accuracy, training pairs", "zh": "准确率（训练对）"},
    "dpo.plot.val_accuracy": {"en": "accuracy, evaluation pairs", "zh": "准确率（评估对）"},
    "dpo.plot.five_share": {"en": "five-character poems", "zh": "五言诗比例"},
    "dpo.plot.share": {"en": "share", "zh": "比例"},
    "dpo.err.no_model": {
        "en": "You have no instruction-tuned Tang model yet: fine-tune one on the Tang poems in the "
              "Instructions tab, then pick it here.",
        "zh": "你还没有在唐诗上指令微调过的模型：先在“指令微调”页用唐诗数据微调一个，再回来选它。",
    },
    "dpo.err.not_tuned": {
        "en": "This model is not instruction-tuned: alignment starts from a model that already answers "
              "instructions (Instructions tab).",
        "zh": "这个模型没有经过指令微调：对齐要从一个已经会回答指令的模型开始（“指令微调”页）。",
    },
    "dpo.err.needs_tang": {
        "en": "The preference pairs are Tang poems: pick a model tuned on the Tang poems.",
        "zh": "偏好对是唐诗：请选一个在唐诗上微调过的模型。",
    },
    "dpo.err.no_pairs": {
        "en": "No pair fits this model whole (context {context}, with every character in its vocabulary): "
              "use a model with a longer context.",
        "zh": "没有一个偏好对能完整放进这个模型（上下文 {context}，且每个字都在词表里）：请用上下文更长的模型。",
    },
    "dpo.err.empty_title": {"en": "Give the pair a title (its instruction).", "zh": "请给这一对写一个题目（指令）。"},
    "dpo.err.empty_side": {"en": "Both answers need text: a pair compares two answers.",
                           "zh": "两个回答都要有内容：偏好对比较的是两个回答。"},
    "dpo.err.better": {"en": "Say which answer is better: A or B.", "zh": "请选择哪个回答更好：A 或 B。"},
    "dpo.err.unknown": {
        "en": "This model's vocabulary lacks these characters of your pair: {chars}. Use other characters.",
        "zh": "这个模型的词表里没有你这一对中的这些字：{chars}。请换用别的字。",
    },
    "dpo.err.too_long": {
        "en": "This answer with its instruction is {n} characters, longer than the model's context of "
              "{context}: a pair is never cut, so shorten it.",
        "zh": "这个回答加上指令共 {n} 个字符，超过模型 {context} 的上下文：偏好对从不截断，请写短一些。",
    },
    "dpo.err.no_run": {"en": "Run an alignment first: the comparison needs its base and its result.",
                       "zh": "请先运行一次对齐：比较需要它的起点模型和结果。"},
    "dpo.err.base_gone": {"en": "The model this run started from is no longer in your list.",
                          "zh": "这次对齐的起点模型已经不在你的列表里了。"},
    "dpo.err.no_weights": {"en": "The aligned model has no weights yet: wait for the first step.",
                           "zh": "对齐后的模型还没有权重：请等第一步完成。"},
    "picker.err.live_training": {
        "en": "Your model is still training: pick it from the list once it has finished.",
        "zh": "你的模型还在训练：等它训练完，再从列表里选它。",
    },
    "picker.err.live_not_saved": {
        "en": "Your last run's model was not kept: pick a saved model from the list.",
        "zh": "上一次训练的模型没有保存下来：请从列表里选一个已保存的模型。",
    },
    "err.above": {
        "en": "{name} must be above {low:g} and at most {high:g}, got {value!r}.",
        "zh": "{name} 必须大于 {low:g} 且不超过 {high:g}，收到的是 {value!r}。",
    },
    "dpo.card": {
        "en": "**Try**\n"
              "1. Show the pairs: a five-character poem against another poem, under one title.\n"
              "2. Align with β 0.1: the loss starts at ln 2, the margin and the preference accuracy rise.\n"
              "3. Compare before and after for the same titles and seed.\n"
              "4. Run again with β 0.01 and more steps, and watch the chosen answers' log-probability.\n\n"
              "**Look for** the share of five-character poems rising, and the poems breaking when the "
              "model drifts too far.",
        "zh": "**试一试**\n"
              "1. 查看偏好对：同一个题目下，一首五言诗对另一首诗。\n"
              "2. 用 β 0.1 对齐：损失从 ln 2 开始，奖励差和偏好准确率上升。\n"
              "3. 用同样的题目和种子比较对齐前后。\n"
              "4. 用 β 0.01 和更多步数再跑一次，看选中回答的对数概率。\n\n"
              "**留意**五言诗的比例上升，以及模型走得太远时诗句开始破碎。",
    },
    # ----- the ablation lab (playground/ablation_tab.py) and its switches ------------------
    "core.switched_off": {"en": "this needs the full GPT, but this model was built with {switches} (an "
                                "ablation switch): only the ablation lab's own views can use it",
                          "zh": "这里需要完整的 GPT，但这个模型构建时用了 {switches}（消融实验的开关）："
                                "只有消融实验室自己的视图能用它"},
    "core.pair_second": {"en": "the second model diverged at step {step} (loss {loss}, gradient norm {norm})",
                         "zh": "第 {step} 步时第二个模型发散了（损失 {loss}，梯度范数 {norm}）"},
    "core.pair_first": {"en": "the first model's loss became {value} at step {step}",
                        "zh": "第 {step} 步时第一个模型的损失变成了 {value}"},
    "abl.tab": {"en": "Ablation lab", "zh": "消融实验室"},
    "abl.card": {
        "en": "**Try**\n"
              "1. Full vs no positions on the-verdict for 200 steps: read both samples and the word-order "
              "table at the end.\n"
              "2. Full vs no shortcuts: eight blocks deep, the model without shortcuts stays far behind.\n"
              "3. 4 heads vs 1, then tied vs untied: guess the gap before you press Start.\n\n"
              "**Look for** the verdict: the gap at the last evaluation, and at which step each model first "
              "reached the other's final loss. Same text, seed and steps for both: only the named piece differs.",
        "zh": "**试一试**\n"
              "1. 在 the-verdict 上训练 200 步“完整 vs 没有位置”：最后读一读两边的样例和词序表。\n"
              "2. “完整 vs 没有捷径连接”：八个块深，没有捷径的模型远远落在后面。\n"
              "3. “4 个头 vs 1 个头”，再试“共享 vs 不共享权重”：按开始之前先猜猜差距。\n\n"
              "**留意**结论：最后一次评估时的差距，以及每个模型在第几步第一次达到另一个模型的最终损失。"
              "两个模型用同样的文本、种子和步数：只有所说的那一部分不同。",
    },
    "abl.intro": {"en": "Train two tiny GPTs **side by side**, one piece changed, on the same text, seed and "
                        "step budget. Both train in one job, in turn: each its own optimizer and clipping.",
                  "zh": "在同样的文本、种子和步数上**并排**训练两个小 GPT，只改动其中一个部件。两个模型在同一个"
                        "任务里轮流训练：各有自己的优化器和梯度裁剪。"},
    "abl.pairing": {"en": "Pairing", "zh": "对比"},
    "abl.pairing.positions": {"en": "full vs no positions", "zh": "完整 vs 没有位置嵌入"},
    "abl.pairing.shortcuts": {"en": "full vs no shortcuts (8 blocks)", "zh": "完整 vs 没有捷径连接（8 个块）"},
    "abl.pairing.layer_norm": {"en": "full vs no LayerNorm (3× rate)", "zh": "完整 vs 没有 LayerNorm（3 倍学习率）"},
    "abl.pairing.heads": {"en": "4 heads vs 1", "zh": "4 个头 vs 1 个头"},
    "abl.pairing.tying": {"en": "tied vs untied output layer", "zh": "共享 vs 不共享输出层权重"},
    "abl.pairing.context": {"en": "context 64 vs 8", "zh": "上下文 64 vs 8"},
    "abl.look.positions": {
        "en": "Without positions a model knows which tokens came before, not where. With one block it cannot "
              "tell \"the man saw the woman.\" from \"the woman saw the man.\" at all (its word-order "
              "distance is exactly 0). In a deeper stack the causal mask leaks some order back in (each earlier "
              "token saw a different prefix): the word-order table measures how much each model uses. Read "
              "the samples for word order too.",
        "zh": "没有位置嵌入，模型知道前面有哪些词元，却不知道它们在哪里。只有一个块时，它完全分不清“狗咬人，”和"
              "“人咬狗，”（词序距离正好是 0）。块更多时，因果掩码会把一部分顺序信息漏回来（前面每个词元看到的"
              "前缀不同）：词序表量出每个模型用了多少顺序。也读一读样例里的词序。"},
    "abl.look.shortcuts": {
        "en": "Eight blocks deep. Without shortcut connections every gradient must pass through every block "
              "to reach the first: a deep stack learns slowly or not at all.",
        "zh": "八个块深。没有捷径连接，梯度必须穿过每一个块才能到达第一个块：很深的堆叠学得很慢，甚至学不会。"},
    "abl.look.layer_norm": {
        "en": "Both train at three times the corpus's usual learning rate. Without LayerNorm nothing keeps "
              "the activations in range, and at a higher rate the bare model diverges: the pair then stops "
              "and says which model it was.",
        "zh": "两个模型都用语料平时学习率的三倍训练。没有 LayerNorm，就没有东西把激活值控制在合适范围内，"
              "学习率一高，没有它的模型就会发散：这时这一对会停下来，并说明是哪一个模型。"},
    "abl.look.heads": {
        "en": "Four heads against one head as wide as all four: the same number of parameters, split "
              "differently. At this size one head costs less than you might expect.",
        "zh": "四个头对一个和四个头加起来一样宽的头：参数一样多，只是分法不同。在这么小的规模上，"
              "只用一个头的代价比你想的小。"},
    "abl.look.tying": {
        "en": "Tied: the output layer is the token embedding itself (GPT-2's choice), so there are fewer "
              "parameters; untied, the model learns a separate output matrix. Watch whether the extra "
              "parameters buy anything.",
        "zh": "共享：输出层就是词元嵌入本身（GPT-2 的做法），所以参数更少；不共享时，模型另学一个输出矩阵。"
              "看看多出来的参数有没有换来什么。"},
    "abl.look.context": {
        "en": "Context 64 against 8: the short model predicts each token from at most 8 before it. Its loss "
              "levels off higher, and its text holds together only over a few tokens.",
        "zh": "上下文 64 对 8：短的模型最多只能根据前面 8 个词元预测下一个。它的损失停在更高的地方，"
              "写出的文字只在几个词元之内连贯。"},
    "abl.name.positions.first": {"en": "full GPT", "zh": "完整 GPT"},
    "abl.name.positions.second": {"en": "no positions", "zh": "没有位置嵌入"},
    "abl.name.shortcuts.first": {"en": "8 blocks with shortcuts", "zh": "8 个块，有捷径连接"},
    "abl.name.shortcuts.second": {"en": "8 blocks, no shortcuts", "zh": "8 个块，没有捷径连接"},
    "abl.name.layer_norm.first": {"en": "with LayerNorm", "zh": "有 LayerNorm"},
    "abl.name.layer_norm.second": {"en": "no LayerNorm", "zh": "没有 LayerNorm"},
    "abl.name.heads.first": {"en": "4 heads", "zh": "4 个头"},
    "abl.name.heads.second": {"en": "1 head", "zh": "1 个头"},
    "abl.name.tying.first": {"en": "tied", "zh": "共享权重"},
    "abl.name.tying.second": {"en": "untied", "zh": "不共享权重"},
    "abl.name.context.first": {"en": "context 64", "zh": "上下文 64"},
    "abl.name.context.second": {"en": "context 8", "zh": "上下文 8"},
    "abl.steps": {"en": "Steps (each model)", "zh": "步数（每个模型）"},
    "abl.steps_info": {"en": "Both models take this many steps; the job takes about twice a single run's time.",
                       "zh": "两个模型各走这么多步；整个任务大约需要单独训练一个模型的两倍时间。"},
    "abl.seed": {"en": "Seed", "zh": "随机种子"},
    "abl.start": {"en": "Start the pair", "zh": "开始训练这一对"},
    "abl.keep.first": {"en": "Keep the first model", "zh": "保留第一个模型"},
    "abl.keep.second": {"en": "Keep the second model", "zh": "保留第二个模型"},
    "abl.no_job": {"en": "No pair is training. Choose a pairing and press Start.",
                   "zh": "现在没有正在训练的模型对。选一个对比，然后按开始。"},
    "abl.started": {"en": "The pair is training (seed {seed}).", "zh": "这一对模型开始训练了（随机种子 {seed}）。"},
    "abl.job_label": {"en": "ablation · {pairing} · {corpus}", "zh": "消融 · {pairing} · {corpus}"},
    "abl.err.corpus": {"en": "The ablation lab trains on the-verdict, tiny-shakespeare or the Tang poems, not “{value}”.",
                       "zh": "消融实验室只在 the-verdict、tiny-shakespeare 或唐诗上训练，不能用“{value}”。"},
    "abl.err.pairing": {"en": "“{value}” is not a pairing this lab offers: choose one from the list.",
                        "zh": "“{value}”不是这里提供的对比：请从列表里选一个。"},
    "abl.err.which": {"en": "Keep “first” or “second”, not “{value}”.", "zh": "只能保留 “first” 或 “second”，不能是“{value}”。"},
    "abl.err.no_weights": {"en": "This pair has no weights to keep yet (or no longer).",
                           "zh": "这一对模型还没有可以保留的权重（或者已经没有了）。"},
    "abl.plot.title": {"en": "Both models' loss", "zh": "两个模型的损失"},
    "abl.plot.step": {"en": "step (each model)", "zh": "步数（每个模型）"},
    "abl.plot.val": {"en": "{name}: validation", "zh": "{name}：验证"},
    "abl.plot.train": {"en": "{name}: training", "zh": "{name}：训练"},
    "abl.probe.title": {"en": "**Word order** at step {step:,}: each model's likeliest next tokens after each "
                              "sentence, and how far apart its two predictions are (0: the same).",
                        "zh": "第 {step:,} 步的**词序**：每个模型在每句话后面最可能的下一个词元，以及它的两个预测"
                              "相差多远（0 表示一样）。"},
    "abl.probe.model": {"en": "model", "zh": "模型"},
    "abl.probe.distance": {"en": "distance", "zh": "距离"},
    "abl.diverged": {"en": "⚠ **{name}** diverged, so both models stopped (they train as one job). {reason}",
                     "zh": "⚠ **{name}** 发散了，所以两个模型都停了（它们是同一个任务）。{reason}"},
    "abl.verdict": {"en": "**Verdict at step {step:,}**: validation loss {first} {first_val:.3f}, {second} "
                          "{second_val:.3f}, a gap of {gap:+.3f} (positive: {first} is ahead).",
                    "zh": "**第 {step:,} 步的结论**：验证损失 {first} {first_val:.3f}，{second} {second_val:.3f}，"
                          "差距 {gap:+.3f}（正数表示{first}领先）。"},
    "abl.reached": {"en": "{name} first reached the final loss of {other} at step {step:,}.",
                    "zh": "{name}在第 {step:,} 步第一次达到{other}的最终损失。"},
    "abl.never": {"en": "{name} never reached the final loss of {other}.", "zh": "{name}始终没有达到{other}的最终损失。"},
    "abl.kept_label": {"en": "ablation · {name} · {corpus} · step {step}", "zh": "消融 · {name} · {corpus} · 第 {step} 步"},
    "abl.kept": {"en": "Kept in your models as “{label}”.", "zh": "已保留到你的模型列表：“{label}”。"},
}


def t(key: str, lang: str | None = None, **values) -> str:
    """The string `key` in `lang` (default: the app's language), formatted with values."""
    entry = STRINGS.get(key)
    if entry is None:
        raise KeyError(f"no UI string named {key!r}")
    text = entry.get(lang or default_lang()) or entry["en"]
    return text.format(**values) if values else text
