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
    "samp.notice.model": {"en": "Model: {label}", "zh": "模型：{label}"},
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
    "corpus.tang-five": {"en": "Tang poems: five-character (五言), the two-minute story",
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
    "pre.err.inputs": {"en": "Expected {n} setup values, got {got}.", "zh": "应有 {n} 个设置值，收到 {got} 个。"},
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
    # --- spam classifier tab ---
    "spam.tab": {"en": "Spam classifier", "zh": "垃圾短信分类"},
    "spam.intro": {
        "en": "Chapter 6: turn a GPT into a **classifier**. Its output head (one score per "
              "vocabulary token) is swapped for a small one with two scores, *ham* and *spam*, read "
              "at the message's last token, the only position that has seen the whole message. "
              "Usually only the top trains (the last block, the final norm and the new head): the "
              "lower blocks keep what **pretraining** taught them about language, which is why a "
              "pretrained base learns from 1,045 messages what a random one cannot. Offline, a new "
              "small model with the messages' own vocabulary, trained from scratch, gets above 96 %.",
        "zh": "第 6 章：把 GPT 变成**分类器**。它的输出层（每个词元一个分数）被换成只有两个分数的小输出层："
              "*正常*（ham）和*垃圾*（spam），在短信的最后一个词元处读取——只有这个位置看过整条短信。"
              "通常只训练顶部（最后一个块、最终归一化层和新的输出层）：下面的块保留了**预训练**学到的语言知识，"
              "所以一个预训练过的模型能从 1,045 条短信里学会随机模型学不会的东西。离线时，用短信自己的词表"
              "从头训练一个小模型，准确率也能超过 96%。",
    },
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
    "spam.results": {"en": "**Test accuracy {test:.1%}** on {n} messages it never saw (validation {val:.1%}). "
                           "The book reports 95.67 % with GPT-2 124M.",
                     "zh": "在 {n} 条从未见过的短信上，**测试准确率 {test:.1%}**（验证集 {val:.1%}）。"
                           "书中用 GPT-2 124M 得到 95.67%。"},
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
    "err.corpus": {"en": "Corpus unavailable: {reason}", "zh": "语料不可用：{reason}"},
}


def t(key: str, lang: str | None = None, **values) -> str:
    """The string `key` in `lang` (default: the app's language), formatted with values."""
    entry = STRINGS.get(key)
    if entry is None:
        raise KeyError(f"no UI string named {key!r}")
    text = entry.get(lang or default_lang()) or entry["en"]
    return text.format(**values) if values else text
