"""Every figure the app draws, in one place, with one palette and one layout helper.

Builders take plain numbers (never tensors) and a `lang`, and return a Plotly figure
or an HTML string; every string they show comes from the catalogue.
- `style`: the palette, heat scales and `base_layout`;
- `training`: loss and metric curves, the samples timeline;
- `sampling`: the next-token chart and the surprisal strip;
- `gradient`: the gradient-descent lab's animated figure;
- `attention`: attention heatmaps and positional encodings;
- `embeddings`: token and position maps, and the film of a map forming;
- `classifier`: accuracy, the confusion matrix and per-token "why" shading.
"""

from playground.plots.gradient import lab_figure
from playground.plots.sampling import distribution_figure, surprisal_html
from playground.plots.style import DIVERGING_SCALE, HEAT_SCALE, PALETTE, base_layout
from playground.plots.training import loss_figure, metric_figure, samples_html, sparkline_svg

__all__ = ["DIVERGING_SCALE", "HEAT_SCALE", "PALETTE", "base_layout", "distribution_figure",
           "lab_figure", "loss_figure", "metric_figure", "samples_html", "sparkline_svg",
           "surprisal_html"]
