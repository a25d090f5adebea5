"""A page of the built app without a browser: component values, and events fired as the
page fires them (an event's outputs change values, and a changed value fires its own
`.change` listeners in turn), through the app's real wiring (`demo.fns`)."""

from __future__ import annotations

import inspect

import gradio as gr


class Page:
    def __init__(self, demo: gr.Blocks, learner: str):
        self.demo = demo
        self.values = {block_id: getattr(block, "value", None)
                       for block_id, block in demo.blocks.items()}
        self.values[self.state_of(gr.BrowserState)._id] = learner     # demo.load gave it

    def state_of(self, kind):
        return next(b for b in self.demo.blocks.values() if type(b) is kind)

    def find(self, predicate):
        return next(b for b in self.demo.blocks.values() if predicate(b))

    def tab(self, tab_id: str) -> gr.Tab:
        return self.find(lambda b: isinstance(b, gr.Tab) and b.id == tab_id)

    def fns(self, component, event: str):
        return [fn for fn in self.demo.fns.values()
                if any(target[0] == component._id and target[1] == event for target in fn.targets)]

    def api(self, name: str):
        return next(fn for fn in self.demo.fns.values() if fn.api_name == name)

    def set(self, component, value) -> None:
        """The learner changes a value: its input listeners fire, then its change ones."""
        self.values[component._id] = value
        self.fire(component, "input")
        self.fire(component, "change")

    def call(self, fn):
        """Run one event handler with the page's current values; returns its result."""
        values = [self.values[c._id] for c in fn.inputs]
        names = list(getattr(fn, "input_keyword_names", None) or [])   # inputs_kwargs
        kwargs = dict(zip(names, values[len(values) - len(names):])) if names else {}
        values = values[:len(values) - len(names)]
        args = []
        for param in inspect.signature(fn.fn).parameters.values():
            if "Request" in str(param.annotation):
                args.append(None)                     # Gradio passes the request here
            elif param.kind is param.VAR_POSITIONAL:
                args += values
                values = []
            elif param.name in kwargs or param.kind is param.VAR_KEYWORD:
                break
            elif values:
                args.append(values.pop(0))
        result = fn.fn(*args, **kwargs)
        return list(result) if inspect.isgenerator(result) else result

    def fire(self, component, event: str, depth: int = 0) -> None:
        assert depth < 10, "events keep firing each other"
        for fn in self.fns(component, event):
            self.run(fn, depth)

    def run(self, fn, depth: int = 0) -> None:
        """One handler, its outputs' change listeners, then what follows it (`.then`)."""
        assert depth < 10, "events keep firing each other"
        if fn.fn is not None:
            result = self.call(fn)
            outputs = fn.outputs
            results = (list(result) if len(outputs) > 1 else [result]) if outputs else []
            changed = []
            for output, value in zip(outputs, results):
                if isinstance(value, dict) and value.get("__type__") == "update":
                    if "value" not in value:          # gr.skip(), or only visible=…
                        continue
                    value = value["value"]
                if self.values.get(output._id) != value:
                    self.values[output._id] = value
                    changed.append(output)
            for output in changed:
                self.fire(output, "change", depth + 1)
        for follower in self.demo.fns.values():
            if follower.trigger_after == fn._id:
                self.run(follower, depth + 1)
