"""circleplan: plan walking service circles from GeoDataFrames.

Coverage of resident compounds by service centres (straight line, on foot along the streets,
or from a cost table), the gaps, where the next centres should go, the 15-minute life circle
per facility type, and proposals compared against today, computed by the circleplan Rust
library -- the same code, checks and messages as the ``circleplan`` command.

    >>> import circleplan as cp
    >>> study = cp.Study(compounds=compounds_gdf, centres=centres_gdf, candidates=candidates_gdf)
    >>> cov = study.coverage(minutes=15, group_by=["street"])
    >>> cov.summary["population"]["share"]
    >>> cov.compounds.plot(column="covered")

Layers are GeoDataFrames in any coordinate system (reprojected to WGS84 with their ``.crs``;
a frame without ``.crs`` is taken as WGS84 longitude/latitude) or paths to files the command
reads (GeoJSON, CSV, Shapefile, GeoPackage ``file.gpkg:layer``). Each method returns a
:class:`Result`: ``.summary`` is the command's ``summary.json`` as a dict, its layers are
GeoDataFrames in WGS84 and ``.files`` holds every file the command writes, by name.
Errors raise :class:`circleplan.Error` with the message the command prints.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import math as _math
import os as _os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import geopandas as _gpd
import pandas as _pd
import shapely as _shapely

from . import _circleplan
from ._circleplan import Error

__all__ = ["Study", "Result", "Error", "__version__"]
__version__ = _circleplan.__version__

Layer = Union[str, "_os.PathLike[str]", _gpd.GeoDataFrame]


class Result:
    """What one workflow produced: the command's outputs, in memory.

    Attributes:
        summary: the command's ``summary.json`` as a dict (same keys, same order).
        layers: every GeoJSON layer the command writes, by name without ``.geojson``
            (``"compounds"``, ``"centers"``, ``"gaps"``, ``"sites"``, ...), as GeoDataFrames
            in WGS84 (EPSG:4326) with the command's properties as columns.
        files: every file the command writes (``summary.json``, the GeoJSON layers, the CSV
            tables, ``lifecircle.xlsx``), by file name, as bytes.
    """

    def __init__(self, summary: str, files: Dict[str, bytes], layers: Dict[str, Any]):
        self.summary: dict = _json.loads(summary)
        self.files: Dict[str, bytes] = files
        self.layers: Dict[str, _gpd.GeoDataFrame] = {
            name: _frame(wkbs, _json.loads(props)) for name, (wkbs, props) in layers.items()
        }

    def _layer(self, name: str) -> Optional[_gpd.GeoDataFrame]:
        return self.layers.get(name)

    @property
    def compounds(self) -> Optional[_gpd.GeoDataFrame]:
        """``compounds.geojson``: every compound with its coverage (or life-circle) columns."""
        return self._layer("compounds")

    @property
    def centres(self) -> Optional[_gpd.GeoDataFrame]:
        """``centers.geojson``: every centre with the residents it serves."""
        return self._layer("centers")

    @property
    def sites(self) -> Optional[_gpd.GeoDataFrame]:
        """``sites.geojson``: the chosen sites of ``site``, in order of choice."""
        return self._layer("sites")

    @property
    def gaps(self) -> Optional[_gpd.GeoDataFrame]:
        """``gaps.geojson``: the gap zones and each zone's best site."""
        return self._layer("gaps")

    @property
    def gap_compounds(self) -> Optional[_gpd.GeoDataFrame]:
        """``gap_compounds.geojson``: the uncovered compounds with their zone."""
        return self._layer("gap_compounds")

    @property
    def circles(self) -> Optional[_gpd.GeoDataFrame]:
        """``circles.geojson`` (with ``circles=True``): each centre's circle or walkable area."""
        return self._layer("circles")

    @property
    def facilities(self) -> Optional[_gpd.GeoDataFrame]:
        """``facilities.geojson`` of ``lifecircle``: the facilities read, with their type."""
        return self._layer("facilities")

    @property
    def scenario_sites(self) -> Optional[_gpd.GeoDataFrame]:
        """``scenario_sites.geojson`` of ``compare``: every scenario's added and closed sites."""
        return self._layer("scenario_sites")

    def __repr__(self) -> str:
        names = ", ".join(self.layers)
        return f"<circleplan.Result layers: {names}>"


class Study:
    """The layers of one study and how they are read and measured.

    Args:
        compounds: resident compounds (points or polygons; population from a population or
            households field, detected as the command detects it).
        centres: existing service centres: one layer or a list of layers (merged; ids must
            be unique across them).
        candidates: candidate sites for ``gaps`` and ``site``.
        facilities: typed facility layers (one or a list) for ``lifecircle``.
        network: streets to walk along: a GeoDataFrame of lines (WGS84 after
            reprojection), or a path to an ``.osm.pbf`` extract, a GeoJSON, Shapefile or
            GeoPackage road layer; for ``metric="matrix"`` the path of the CSV cost table.
        metric: ``"euclidean"``, ``"network"`` or ``"matrix"`` (default: ``"network"``
            when ``network`` is given, else ``"euclidean"``).
        gates: compound gates (points naming their compound's id in ``compound``,
            ``小区编号`` or ``compound_id``, or the field in ``gates_compound_field``): each
            compound is measured from its nearest gate (``--gates``).
        **options: the command's flags as keywords: ``group_by``, ``population_field``,
            ``households_field``, ``persons_per_household``, ``level_field``, ``name_field``,
            ``capacity_field``, ``type_field``, ``id_field``, ``coords`` (``"gcj02"``...),
            ``crs`` (of CSV paths), ``lon_field``, ``lat_field``, ``encoding``,
            ``drop_far``, ``node_crossings``, ``snap_limit_m``, ``matrix_columns``,
            ``matrix_unit``, ``speed_kmh``.
    """

    def __init__(
        self,
        compounds: Layer,
        centres: Union[Layer, Sequence[Layer], None] = None,
        candidates: Optional[Layer] = None,
        facilities: Union[Layer, Sequence[Layer], None] = None,
        network: Optional[Layer] = None,
        metric: Optional[str] = None,
        gates: Optional[Layer] = None,
        **options: Any,
    ):
        self.compounds = compounds
        self.centres = centres
        self.candidates = candidates
        self.facilities = facilities
        self.network = network
        self.gates = gates
        self.options: Dict[str, Any] = dict(options, metric=metric)

    # -- workflows ---------------------------------------------------------------------

    def coverage(
        self,
        minutes: Optional[float] = None,
        radius_m: Optional[float] = None,
        *,
        group_by: Optional[Sequence[str]] = None,
        circles: bool = False,
        **circle: Any,
    ) -> Result:
        """Who lives within the circle of a service centre (``circleplan coverage``).

        Args:
            minutes: walking minutes (default 15) at ``speed_kmh`` (default 4).
            radius_m: the circle's radius in metres instead of minutes.
            group_by: compound fields to tabulate coverage by (``summary["groups"]``).
            circles: also return each centre's circle (or walkable area) as ``.circles``.
            **circle: ``speed_kmh``, ``standard="gb50180"``, ``level_radius_m={level: m}``.

        Returns:
            ``.summary``, ``.compounds``, ``.centres`` (and ``.circles``).
        """
        options = self._options(minutes, radius_m, group_by, circle, circles=circles)
        return self._run(_circleplan.coverage, self._layers(), options)

    def gaps(
        self,
        minutes: Optional[float] = None,
        radius_m: Optional[float] = None,
        *,
        group_by: Optional[Sequence[str]] = None,
        **circle: Any,
    ) -> Result:
        """The uncovered grouped into zones, each with its best new site (``circleplan gaps``).

        Sites are chosen among the uncovered compounds and the study's ``candidates``.

        Returns:
            ``.summary`` (with its ``gaps`` section), ``.gaps``, ``.gap_compounds``,
            ``.compounds``.
        """
        options = self._options(minutes, radius_m, group_by, circle)
        return self._run(_circleplan.gaps, self._layers(candidates=True), options)

    def site(
        self,
        add: Optional[int] = None,
        radius_m: Optional[float] = None,
        *,
        target: Optional[float] = None,
        minutes: Optional[float] = None,
        require: Iterable[str] = (),
        exclude: Iterable[str] = (),
        time_limit_s: float = 60.0,
        candidates: Union[Layer, str, None] = None,
        group_by: Optional[Sequence[str]] = None,
        objective: str = "coverage",
        max_distance_m: Optional[float] = None,
        **circle: Any,
    ) -> Result:
        """New centre sites (``circleplan site``): the ``add`` sites covering most residents,
        or the fewest reaching ``target`` (a share of residents, e.g. 0.95), proven optimal
        or with a certified gap.

        Args:
            add: how many sites to add.
            radius_m: the circle's radius in metres (or ``minutes``).
            target: the share of residents to reach with the fewest sites, instead of ``add``.
            require: candidate ids every plan contains.
            exclude: candidate ids no plan contains.
            time_limit_s: the solver's time limit in seconds.
            candidates: a candidates layer, or ``"auto"`` (a grid near the uncovered);
                default: the study's candidates, else ``"auto"``.
            objective: ``"coverage"`` (most residents within the circle), ``"distance"``
                (p-median: the shortest population-weighted walk) or ``"max-distance"``
                (p-center: the shortest longest walk), as ``site --objective``.
            max_distance_m: walks longer than this count at it (distance objectives; default
                twice the radius), as ``--max-distance``.

        Returns:
            ``.summary`` (with ``site`` and ``plan``), ``.sites``, ``.compounds``, ``.centres``.
        """
        options = self._options(
            minutes,
            radius_m,
            group_by,
            circle,
            add=add,
            target=target,
            require=list(require),
            exclude=list(exclude),
            time_limit_s=time_limit_s,
            objective=objective,
            max_distance_m=max_distance_m,
        )
        layers = self._layers(candidates=True)
        if candidates is not None:
            auto = isinstance(candidates, str) and candidates == "auto"
            layers["candidates"] = None if auto else _layer(candidates, "candidates")
        return self._run(_circleplan.site, layers, options)

    def compare(
        self,
        scenarios: Mapping[str, Any],
        minutes: Optional[float] = None,
        radius_m: Optional[float] = None,
        *,
        scenario_level: str = "proposed",
        group_by: Optional[Sequence[str]] = None,
        circles: bool = False,
        **circle: Any,
    ) -> Result:
        """Proposals against the existing centres (``circleplan compare``).

        Args:
            scenarios: ``{name: sites}`` where ``sites`` is a layer of sites to add, or a
                dict ``{"add": layer or None, "close": [centre ids], "level": "community"}``.
            scenario_level: the level of added sites that have none.

        Returns:
            ``.summary`` (with ``scenarios``), ``.compounds`` (with ``covered_<name>`` and
            ``change_<name>`` columns), ``.centres``, ``.scenario_sites``.
        """
        specs = []
        for name, spec in scenarios.items():
            if isinstance(spec, Mapping):
                unknown = set(spec) - {"add", "close", "level"}
                if unknown:
                    raise Error(
                        f"scenario {name}: unknown keys {sorted(unknown)}; use add, close, level"
                    )
                added, close = spec.get("add"), list(spec.get("close", ()))
                level = spec.get("level", scenario_level)
            else:
                added, close, level = spec, [], scenario_level
            specs.append((str(name), _layer(added, f"scenario {name}"), close, level))
        options = self._options(minutes, radius_m, group_by, circle, circles=circles)
        return Result(*_circleplan.compare(self._layers(), specs, options))

    def lifecircle(
        self,
        facilities: Union[Layer, Sequence[Layer], None] = None,
        profile: str = "gb50180-2018",
        *,
        accessibility: bool = False,
        catchments: bool = False,
        group_by: Optional[Sequence[str]] = None,
        lang: Optional[str] = None,
        date: Optional[str] = None,
        speed_kmh: Optional[float] = None,
    ) -> Result:
        """The 15-minute life circle per facility type (``circleplan lifecircle``).

        Args:
            facilities: typed facility layers (default: the study's).
            profile: a built-in profile (``"gb50180-2018"``) or the path of a TOML profile.
            accessibility: also compute 2SFCA accessibility per type.
            catchments: count each facility's catchment (``served_population``) on foot
                (``--catchments``; the straight line always counts it).
            lang: ``"zh"`` or ``"en"`` headers for the ledger and workbook (default: Chinese
                when the data has Chinese text).
            date: the date on the workbook's cover sheet (default: today, or
                ``SOURCE_DATE_EPOCH``).

        Returns:
            ``.summary``, ``.compounds`` (per type: nearest facility and reach),
            ``.facilities``; ``.files["lifecircle.xlsx"]``, ``.files["ledger.csv"]``.
        """
        layers = self._layers()
        if facilities is not None:
            layers["facilities"] = _layers(facilities, "facilities")
        options = dict(self.options)
        options.update(
            profile=profile,
            accessibility=accessibility,
            catchments=catchments,
            lang=lang,
            date=date or _run_date(),
            speed_kmh=speed_kmh if speed_kmh is not None else options.get("speed_kmh"),
        )
        if group_by is not None:
            options["group_by"] = list(group_by)
        return self._run(_circleplan.lifecircle, layers, _clean(options))

    # -- plumbing ----------------------------------------------------------------------

    def _layers(self, candidates: bool = False) -> Dict[str, Any]:
        return {
            "compounds": _layer(self.compounds, "compounds"),
            "centres": _layers(self.centres, "centres"),
            "candidates": _layer(self.candidates, "candidates") if candidates else None,
            "facilities": _layers(self.facilities, "facilities"),
            "network": _layer(self.network, "network"),
            "gates": _layer(self.gates, "gates"),
        }

    def _options(self, minutes, radius_m, group_by, circle, **more) -> Dict[str, Any]:
        unknown = set(circle) - {"speed_kmh", "standard", "level_radius_m"}
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
        options = dict(self.options)
        options.update(minutes=minutes, radius_m=radius_m, **more)
        for key, value in circle.items():
            options[key] = value
        if isinstance(options.get("level_radius_m"), Mapping):
            options["level_radius_m"] = list(options["level_radius_m"].items())
        if group_by is not None:
            options["group_by"] = list(group_by)
        return _clean(options)

    @staticmethod
    def _run(function, layers, options) -> Result:
        return Result(*function(layers, options))


def _clean(options: Dict[str, Any]) -> Dict[str, Any]:
    """Options without the ones left unset (the command's defaults apply)."""
    return {k: v for k, v in options.items() if v is not None}


def _run_date() -> str:
    """Today (UTC), or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible files)."""
    epoch = _os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    else:
        moment = _dt.datetime.now(tz=_dt.timezone.utc)
    return moment.date().isoformat()


def _layers(obj, name: str) -> List[Any]:
    """One layer or a list of layers, converted."""
    if obj is None:
        return []
    if isinstance(obj, (str, _os.PathLike, _gpd.GeoDataFrame)):
        return [_layer(obj, name)]
    items = list(obj)
    return [_layer(x, f"{name}[{i}]" if len(items) > 1 else name) for i, x in enumerate(items)]


def _layer(obj, name: str):
    """A path as is; a GeoDataFrame as ``(name, WKB list, property dicts)`` in WGS84."""
    if obj is None:
        return None
    if isinstance(obj, (str, _os.PathLike)):
        return _os.fspath(obj)
    if not isinstance(obj, _gpd.GeoDataFrame):
        raise TypeError(f"{name}: expected a GeoDataFrame or a path, got {type(obj).__name__}")
    gdf = obj
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    geometry = gdf.geometry.values
    wkbs = [
        None if g is None or g.is_empty else w
        for g, w in zip(geometry, _shapely.to_wkb(geometry, output_dimension=2))
    ]
    props = _records(_pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    return (f"{name} (GeoDataFrame)", wkbs, props)


def _records(df: _pd.DataFrame) -> List[Dict[str, Any]]:
    """Rows as dicts of plain Python values (missing values as None)."""
    names = [str(c) for c in df.columns]
    columns = [[_plain(v) for v in df[c].tolist()] for c in df.columns]
    if not columns:
        return [{} for _ in range(len(df))]
    return [dict(zip(names, row)) for row in zip(*columns)]


def _plain(v: Any) -> Any:
    if v is None or v is _pd.NA or v is _pd.NaT:
        return None
    if isinstance(v, float):
        return None if _math.isnan(v) else v
    if isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if hasattr(v, "item"):
        try:
            return _plain(v.item())
        except (TypeError, ValueError):
            pass
    try:
        if _pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _frame(wkbs: List[Optional[bytes]], props: List[dict]) -> _gpd.GeoDataFrame:
    """A layer the command writes as a GeoDataFrame in WGS84."""
    geometry = _gpd.GeoSeries.from_wkb(wkbs, crs="EPSG:4326")
    frame = _pd.DataFrame.from_records(props) if props else _pd.DataFrame(index=range(len(wkbs)))
    return _gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
