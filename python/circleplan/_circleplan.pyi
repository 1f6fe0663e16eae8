"""The compiled core: one function per workflow, each returning (summary, files, layers)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__version__: str

class Error(Exception):
    """A circleplan error; the message is the line the circleplan command prints."""

# A layer: a path, or (name, [WKB or None], [properties]) in WGS84.
_Layer = Union[str, Tuple[str, List[Optional[bytes]], List[Dict[str, Any]]], None]
_Layers = Dict[str, Union[_Layer, List[_Layer]]]
# summary.json's text, every file by name, each layer as (WKB list, properties JSON array).
_Outputs = Tuple[str, Dict[str, bytes], Dict[str, Tuple[List[Optional[bytes]], str]]]

def coverage(layers: _Layers, options: Dict[str, Any]) -> _Outputs: ...
def gaps(layers: _Layers, options: Dict[str, Any]) -> _Outputs: ...
def site(layers: _Layers, options: Dict[str, Any]) -> _Outputs: ...
def compare(
    layers: _Layers,
    scenarios: Sequence[Tuple[str, _Layer, List[str], str]],
    options: Dict[str, Any],
) -> _Outputs: ...
def lifecircle(layers: _Layers, options: Dict[str, Any]) -> _Outputs: ...
def layer_geojson(layer: _Layer) -> bytes: ...
