//! The report's words in Chinese and English: every label the page, the map and the charts
//! show, chosen once per report so no other file holds a user-facing string.

use std::str::FromStr;

/// The language of the report's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    #[default]
    En,
}

impl Lang {
    /// Chinese when the compounds' group fields, group values (街道01) or ids hold Chinese
    /// text, else English: the language a life-circle run's headers default to.
    pub fn for_compounds(compounds: &crate::Compounds) -> Lang {
        let chinese = |s: &String| !s.is_ascii();
        if compounds.group_fields.iter().any(chinese)
            || compounds.ids.iter().take(1000).any(chinese)
            || compounds
                .groups
                .iter()
                .any(|g| g.iter().take(1000).any(chinese))
        {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

impl FromStr for Lang {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" | "chinese" => Ok(Lang::Zh),
            "en" | "english" => Ok(Lang::En),
            _ => Err(crate::Error::parameter(
                crate::Param::Language,
                format!("{s:?}"),
                "use zh or en",
            )),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        })
    }
}

/// True when `s` holds a CJK ideograph (or CJK punctuation / full-width form).
pub fn has_cjk(s: &str) -> bool {
    // ASCII text (most ids) is told apart by a word-at-a-time scan.
    !s.is_ascii()
        && s.chars().any(|c| {
            let c = c as u32;
            (0x3000..=0x303F).contains(&c)
                || (0x3400..=0x4DBF).contains(&c)
                || (0x4E00..=0x9FFF).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFF00..=0xFFEF).contains(&c)
                || (0x20000..=0x2FA1F).contains(&c)
        })
}

/// Every fixed label of the report, in one language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Labels {
    pub html_lang: &'static str,
    pub title: &'static str,
    pub kind_coverage: &'static str,
    pub kind_gaps: &'static str,
    pub kind_site: &'static str,
    pub population_covered: &'static str,
    pub compounds_covered: &'static str,
    pub circle: &'static str,
    pub minutes: &'static str,
    pub metric: &'static str,
    pub metric_euclidean: &'static str,
    pub metric_network: &'static str,
    pub metric_matrix: &'static str,
    pub centres: &'static str,
    pub serving: &'static str,
    pub idle: &'static str,
    pub distance_card: &'static str,
    pub p90: &'static str,
    pub pop_mean: &'static str,
    pub unreachable: &'static str,
    pub inputs: &'static str,
    pub features: &'static str,
    pub gap_zones: &'static str,
    pub uncovered_residents: &'static str,
    pub new_sites: &'static str,
    /// With `{k}` for the number of sites.
    pub covered_after: &'static str,
    pub proven_optimal: &'static str,
    pub certified_gap: &'static str,
    pub map: &'static str,
    /// Attribution of the basemap tiles.
    pub basemap: &'static str,
    pub map_hint: &'static str,
    pub reset: &'static str,
    pub covered_compound: &'static str,
    pub uncovered_compound: &'static str,
    pub covered_by_new_site: &'static str,
    pub size_is_population: &'static str,
    pub service_circle: &'static str,
    /// Legend: a walking service area (the streets walkable within the budget, outlined).
    pub service_area: &'static str,
    /// Why a covered compound may lie outside the drawn walking area.
    pub service_area_note: &'static str,
    /// Legend: the street lines of a walking run.
    pub streets: &'static str,
    /// Legend: the areas of `--boundaries` (their outlines and names).
    pub boundaries: &'static str,
    /// Legend note of a cost-table run: no area can be drawn from a table.
    pub matrix_no_areas: &'static str,
    pub circles_omitted: &'static str,
    pub gap_zone: &'static str,
    pub zone_best_site: &'static str,
    pub proposed_site: &'static str,
    pub centre_levels: &'static str,
    /// Legend heading of the centres' utilisation colours (capacitated runs).
    pub centre_utilisation: &'static str,
    /// Legend entry of full centres (utilisation 100 %).
    pub utilisation_full: &'static str,
    pub density_note: &'static str,
    pub density_share: &'static str,
    pub north: &'static str,
    pub chart_curve: &'static str,
    /// With `{speed}` for the walking speed.
    pub chart_curve_x: &'static str,
    pub chart_curve_y: &'static str,
    pub chart_hist: &'static str,
    pub chart_hist_x: &'static str,
    pub chart_hist_y: &'static str,
    pub chart_hist_note: &'static str,
    pub chart_gain: &'static str,
    pub chart_gain_x: &'static str,
    pub chart_gain_y: &'static str,
    pub chart_gain_y2: &'static str,
    /// Distance objectives: residents within each walk, before and after the plan.
    pub chart_walk: &'static str,
    pub chart_walk_x: &'static str,
    pub chart_walk_y: &'static str,
    pub chart_walk_before: &'static str,
    pub chart_walk_after: &'static str,
    /// With `{cap}` for the cap in metres.
    pub chart_walk_note: &'static str,
    pub target: &'static str,
    /// With `{k}` for the number of sites asked for.
    pub goal_add: &'static str,
    pub existing: &'static str,
    pub by_field: &'static str,
    pub by_level: &'static str,
    pub col_compounds: &'static str,
    pub col_covered_compounds: &'static str,
    pub col_population: &'static str,
    pub col_covered_population: &'static str,
    pub col_share: &'static str,
    pub col_level: &'static str,
    /// Title of the over-subscribed centres table (capacitated runs).
    pub over_capacity: &'static str,
    /// Column: residents within reach of a centre.
    pub col_within_reach: &'static str,
    /// Column: capacity in residents.
    pub col_capacity: &'static str,
    /// Column: residents assigned under capacity.
    pub col_assigned: &'static str,
    /// Column: assigned over capacity.
    pub col_utilisation: &'static str,
    pub col_centres: &'static str,
    pub col_radius_m: &'static str,
    pub col_zone: &'static str,
    pub col_best_site: &'static str,
    pub col_first_compound: &'static str,
    pub candidates_word: &'static str,
    pub col_rank: &'static str,
    pub col_site: &'static str,
    pub col_gain: &'static str,
    pub col_cumulative: &'static str,
    pub none_value: &'static str,
    pub sort_hint: &'static str,
    pub more_zones: &'static str,
    pub reproduce: &'static str,
    pub coordinates: &'static str,
    pub coordinates_note: &'static str,
    /// Footer: the walking network's checks (nodes, length, snap limit, points beyond it).
    pub network_checks: [&'static str; 5],
    pub data_sources: &'static str,
    pub population_source: &'static str,
    pub version: &'static str,
    pub command_line: &'static str,
    pub warnings: &'static str,
    pub residents: &'static str,
    pub compounds_word: &'static str,
    /// Title chip of a `compare` report.
    pub kind_compare: &'static str,
    /// Heading of the scenario section.
    pub scenarios: &'static str,
    /// The existing centres as a scenario.
    pub baseline: &'static str,
    /// Column: scenario name.
    pub col_scenario: &'static str,
    /// Column: sites added.
    pub col_added: &'static str,
    /// Column: centres closed.
    pub col_closed: &'static str,
    /// Column: change in covered population.
    pub col_delta_population: &'static str,
    /// Column: change in share.
    pub col_delta_share: &'static str,
    /// Column: compounds newly covered.
    pub col_gained: &'static str,
    /// Column: compounds no longer covered.
    pub col_lost: &'static str,
    /// Column: covered population of the baseline.
    pub col_baseline_covered: &'static str,
    /// Suffix of a change in shares (percentage points).
    pub points: &'static str,
    /// Title of the scenario table.
    pub scenario_table: &'static str,
    /// Title of the per-group scenario table; `{field}` is the field.
    pub scenario_group_table: &'static str,
    /// Title of a grouped bar chart; `{field}` is the field.
    pub chart_scenario_groups: &'static str,
    /// Note under a capped chart; `{n}` shown of `{m}` values.
    pub more_values: &'static str,
    /// Label of the map's scenario switcher.
    pub switch_scenario: &'static str,
    /// Legend: compound covered under the scenario only.
    pub gained_compound: &'static str,
    /// Legend: compound covered in the baseline only.
    pub lost_compound: &'static str,
    /// Note when change marks are capped; `{name}`, `{n}` of `{m}`.
    pub changes_capped: &'static str,
    /// Heading of the what-if panel.
    pub whatif: &'static str,
    /// How to use the what-if panel.
    pub whatif_hint: &'static str,
    /// Button: copy the flags.
    pub whatif_copy: &'static str,
    /// After copying.
    pub whatif_copied: &'static str,
    /// Button: back to the baseline.
    pub whatif_reset: &'static str,
    /// No site switched.
    pub whatif_nothing: &'static str,
    /// Note when sites were left out; `{n}` sites.
    pub whatif_left_out: &'static str,
    /// Scenario whose sites are not all switchable here.
    pub whatif_inexact: &'static str,
    /// Legend: switchable site, on.
    pub site_on: &'static str,
    /// Legend: switchable site, off.
    pub site_off: &'static str,
    /// Legend: existing centre that can close, open.
    pub existing_on: &'static str,
    /// Legend: existing centre switched off.
    pub existing_off: &'static str,
    /// After a manual switch on top of a scenario.
    pub modified: &'static str,
    /// Tooltip: compounds a site reaches.
    pub covers_word: &'static str,
}

const ZH: Labels = Labels {
    html_lang: "zh-CN",
    title: "服务圈规划报告",
    kind_coverage: "覆盖分析",
    kind_gaps: "缺口分析",
    kind_site: "新增选址",
    population_covered: "覆盖人口",
    compounds_covered: "覆盖小区",
    circle: "服务圈",
    minutes: "分钟",
    metric: "距离算法",
    metric_euclidean: "直线距离",
    metric_network: "路网步行距离",
    metric_matrix: "成本矩阵",
    centres: "服务中心",
    serving: "有服务对象",
    idle: "无服务对象",
    distance_card: "最近中心距离中位数",
    p90: "90%分位",
    pop_mean: "人口加权平均",
    unreachable: "不可达",
    inputs: "输入数据",
    features: "个要素",
    gap_zones: "缺口区",
    uncovered_residents: "未覆盖人口",
    new_sites: "新增站点",
    covered_after: "新增 {k} 个站点后覆盖",
    proven_optimal: "已证明最优",
    certified_gap: "已认证差距",
    map: "地图",
    basemap: "底图",
    map_hint: "滚轮或按钮缩放，拖动平移，悬停或点按查看详情",
    reset: "复位",
    covered_compound: "已覆盖小区",
    uncovered_compound: "未覆盖小区",
    covered_by_new_site: "由新址覆盖的小区",
    size_is_population: "圆点大小表示人口",
    service_circle: "服务圈范围",
    service_area: "步行服务范围（沿道路可达）",
    service_area_note: "小区从离它最近的道路点进入路网：离道路较远的已覆盖小区可能位于阴影之外",
    streets: "道路",
    boundaries: "分区边界",
    matrix_no_areas: "成本表计算：无法绘制服务范围",
    circles_omitted: "服务中心过多，未绘制服务圈",
    gap_zone: "缺口区",
    zone_best_site: "缺口区最佳新址",
    proposed_site: "建议新址（按序号）",
    centre_levels: "服务中心等级",
    centre_utilisation: "服务中心负荷率（分配人口 / 容量）",
    utilisation_full: "满负荷 100%",
    density_note: "小区数量较多，按网格汇总显示",
    density_share: "网格颜色表示人口覆盖率，深浅表示人口",
    north: "北",
    chart_curve: "不同时间圈的人口覆盖率",
    chart_curve_x: "时间圈（分钟，按 {speed} km/h 折算）",
    chart_curve_y: "覆盖人口比例",
    chart_hist: "到最近服务中心的距离分布",
    chart_hist_x: "距离（米）",
    chart_hist_y: "人口",
    chart_hist_note: "虚线为服务圈半径；最后一栏含更远的小区",
    chart_gain: "新增站点的边际覆盖",
    chart_gain_x: "站点序号",
    chart_gain_y: "新增覆盖人口",
    chart_gain_y2: "累计覆盖率",
    chart_walk: "新增站点前后的步行距离",
    chart_walk_x: "到最近服务中心的距离（米）",
    chart_walk_y: "该距离内的人口比例",
    chart_walk_before: "现状",
    chart_walk_after: "规划后",
    chart_walk_note: "虚线为人口加权平均距离；超过 {cap} 米的距离（及该距离内没有服务中心的小区）按 {cap} 米计",
    target: "目标",
    goal_add: "新增 {k} 个站点",
    existing: "现状",
    by_field: "按",
    by_level: "按服务中心等级",
    col_compounds: "小区数",
    col_covered_compounds: "覆盖小区",
    col_population: "人口",
    col_covered_population: "覆盖人口",
    col_share: "覆盖率",
    col_level: "等级",
    over_capacity: "超负荷中心（服务范围内人口超过容量）",
    col_within_reach: "服务范围内人口",
    col_capacity: "容量（人）",
    col_assigned: "分配人口",
    col_utilisation: "负荷率",
    col_centres: "中心数",
    col_radius_m: "半径（米）",
    col_zone: "缺口区",
    col_best_site: "最佳新址",
    col_first_compound: "首个小区",
    candidates_word: "个候选点",
    col_rank: "序号",
    col_site: "站点",
    col_gain: "新增覆盖人口",
    col_cumulative: "累计覆盖率",
    none_value: "（空）",
    sort_hint: "点击表头排序",
    more_zones: "另有较小的缺口区",
    reproduce: "数据与复现",
    coordinates: "坐标系",
    coordinates_note: "地图绘制在该平面上，上方为北；距离单位为米",
    network_checks: [
        "步行路网",
        "个节点",
        "吸附距离上限",
        "超出吸附距离的小区",
        "超出吸附距离的服务中心",
    ],
    data_sources: "数据来源",
    population_source: "人口来源",
    version: "版本",
    command_line: "命令行",
    warnings: "警告",
    residents: "人",
    compounds_word: "个小区",
    kind_compare: "方案比较",
    scenarios: "方案比较",
    baseline: "现状",
    col_scenario: "方案",
    col_added: "新增站点",
    col_closed: "关闭中心",
    col_delta_population: "覆盖人口变化",
    col_delta_share: "覆盖率变化",
    col_gained: "新覆盖小区",
    col_lost: "失去覆盖小区",
    col_baseline_covered: "现状覆盖人口",
    points: "个百分点",
    scenario_table: "各方案指标",
    scenario_group_table: "各方案按{field}统计",
    chart_scenario_groups: "各方案按{field}的覆盖率",
    more_values: "仅显示人口最多的 {n} 个（共 {m} 个）",
    switch_scenario: "查看方案",
    gained_compound: "该方案新覆盖的小区",
    lost_compound: "该方案失去覆盖的小区",
    changes_capped: "{name}：仅标出人口最多的 {n} 个变化小区（共 {m} 个）",
    whatif: "假设分析",
    whatif_hint: "点击地图上的圆形站点即可开启或关闭；覆盖率、覆盖人口和分组统计表随即更新",
    whatif_copy: "复制命令参数",
    whatif_copied: "已复制",
    whatif_reset: "恢复现状",
    whatif_nothing: "未切换任何站点",
    whatif_left_out: "为控制文件大小，另有 {n} 个站点未纳入假设分析",
    whatif_inexact: "该方案的部分站点无法在此切换，覆盖率仅供参考",
    site_on: "可切换站点（开启）",
    site_off: "可切换站点（关闭）",
    existing_on: "可关闭的现有中心（开启）",
    existing_off: "现有中心（已关闭）",
    modified: "（已修改）",
    covers_word: "个小区的覆盖随之变化",
};

const EN: Labels = Labels {
    html_lang: "en",
    title: "Service circle report",
    kind_coverage: "Coverage",
    kind_gaps: "Gaps",
    kind_site: "New sites",
    population_covered: "Population covered",
    compounds_covered: "Compounds covered",
    circle: "Service circle",
    minutes: "min",
    metric: "Metric",
    metric_euclidean: "straight line",
    metric_network: "street network walk",
    metric_matrix: "cost matrix",
    centres: "Centres",
    serving: "serving",
    idle: "idle",
    distance_card: "Nearest centre, median",
    p90: "P90",
    pop_mean: "pop. mean",
    unreachable: "unreachable",
    inputs: "Inputs",
    features: "features",
    gap_zones: "Gap zones",
    uncovered_residents: "uncovered residents",
    new_sites: "New sites",
    covered_after: "Covered with {k} new sites",
    proven_optimal: "proven optimal",
    certified_gap: "certified gap",
    map: "Map",
    basemap: "Basemap",
    map_hint: "wheel or buttons to zoom, drag to pan, hover or tap for details",
    reset: "Reset",
    covered_compound: "Covered compound",
    uncovered_compound: "Uncovered compound",
    covered_by_new_site: "Covered by a new site",
    size_is_population: "dot size shows population",
    service_circle: "Service circle",
    service_area: "Walking service area (along the streets)",
    service_area_note: "compounds join the streets at their nearest point: a covered compound set back from the streets can lie outside the shading",
    streets: "Streets",
    boundaries: "Area boundaries",
    matrix_no_areas: "cost table: no service areas can be drawn",
    circles_omitted: "too many centres: service circles not drawn",
    gap_zone: "Gap zone",
    zone_best_site: "Best new site for a zone",
    proposed_site: "Proposed site (rank)",
    centre_levels: "Centre levels",
    centre_utilisation: "Centre utilisation (assigned / capacity)",
    utilisation_full: "full 100%",
    density_note: "Many compounds: shown aggregated in grid cells",
    density_share: "cell colour shows the covered share, strength the population",
    north: "N",
    chart_curve: "Population covered by circle size (minutes)",
    chart_curve_x: "walking minutes (at {speed} km/h)",
    chart_curve_y: "population covered",
    chart_hist: "Distance to the nearest centre",
    chart_hist_x: "distance (m)",
    chart_hist_y: "residents",
    chart_hist_note: "dashed line: the circle's radius; the last bar holds everything farther",
    chart_gain: "Marginal gain of new sites",
    chart_gain_x: "site rank",
    chart_gain_y: "newly covered residents",
    chart_gain_y2: "cumulative share",
    chart_walk: "Walks before and after the new sites",
    chart_walk_x: "distance to the nearest centre (m)",
    chart_walk_y: "residents within it",
    chart_walk_before: "today",
    chart_walk_after: "with the plan",
    chart_walk_note: "Dashed: the population-weighted mean walks. Walks beyond {cap} m (and compounds with no centre within it) count at {cap} m",
    target: "target",
    goal_add: "add {k} sites",
    existing: "existing",
    by_field: "By",
    by_level: "By centre level",
    col_compounds: "compounds",
    col_covered_compounds: "covered",
    col_population: "population",
    col_covered_population: "covered pop.",
    col_share: "share",
    col_level: "level",
    over_capacity: "Over-subscribed centres (more residents within reach than capacity)",
    col_within_reach: "residents within reach",
    col_capacity: "capacity (residents)",
    col_assigned: "assigned",
    col_utilisation: "utilisation",
    col_centres: "centres",
    col_radius_m: "radius (m)",
    col_zone: "zone",
    col_best_site: "best new site",
    col_first_compound: "first compound",
    candidates_word: "candidates",
    col_rank: "rank",
    col_site: "site",
    col_gain: "newly covered",
    col_cumulative: "cumulative share",
    none_value: "(none)",
    sort_hint: "click a header to sort",
    more_zones: "more, smaller zones",
    reproduce: "Data and reproduction",
    coordinates: "Coordinate system",
    coordinates_note: "the map is drawn on this plane, north up; distances in metres",
    network_checks: [
        "walking network",
        "nodes",
        "snap limit",
        "compounds beyond the snap limit",
        "centres beyond the snap limit",
    ],
    data_sources: "Data sources",
    population_source: "population from",
    version: "Version",
    command_line: "Command line",
    warnings: "Warnings",
    residents: "residents",
    compounds_word: "compounds",
    kind_compare: "Scenarios",
    scenarios: "Scenarios against the existing centres",
    baseline: "Baseline (existing)",
    col_scenario: "scenario",
    col_added: "added",
    col_closed: "closed",
    col_delta_population: "Δ covered pop.",
    col_delta_share: "Δ share",
    col_gained: "gained",
    col_lost: "lost",
    col_baseline_covered: "baseline covered",
    points: " pp",
    scenario_table: "Scenario figures",
    scenario_group_table: "Scenarios by {field}",
    chart_scenario_groups: "Covered share by {field}",
    more_values: "the {n} most populous of {m} values",
    switch_scenario: "Show scenario",
    gained_compound: "Covered under the scenario only (gained)",
    lost_compound: "Covered in the baseline only (lost)",
    changes_capped: "{name}: the {n} most populous of {m} changed compounds are marked",
    whatif: "What if",
    whatif_hint: "click or tap a round site on the map to switch it on or off; the covered share, covered population and group table follow at once",
    whatif_copy: "Copy as flags",
    whatif_copied: "copied",
    whatif_reset: "Back to baseline",
    whatif_nothing: "no site switched",
    whatif_left_out: "{n} more sites were left out of the what-if to keep the page small",
    whatif_inexact: "not every site of this scenario can be switched here: the share is indicative",
    site_on: "switchable site, on",
    site_off: "switchable site, off",
    existing_on: "existing centre, open",
    existing_off: "existing centre, closed",
    modified: " (modified)",
    covers_word: "switchable compounds reached",
};

impl Labels {
    /// The labels for `lang`.
    pub fn of(lang: Lang) -> &'static Labels {
        match lang {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// A centre level as people read it (known English level names translated into Chinese).
    pub fn level(&self, level: &str) -> String {
        if level.is_empty() {
            return self.none_value.to_string();
        }
        if self.html_lang != "zh-CN" {
            return level.to_string();
        }
        match level.to_ascii_lowercase().as_str() {
            "district" => "区级中心".into(),
            "street" | "subdistrict" | "sub-district" => "街道级中心".into(),
            "community" => "社区级中心".into(),
            "station" => "便民服务站".into(),
            "building" => "楼宇站点".into(),
            "candidate" => "候选点".into(),
            _ => level.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_chinese_text() {
        assert!(has_cjk("街道01"));
        assert!(has_cjk("（空）"));
        assert!(!has_cjk("street 01"));
        assert!(!has_cjk("Zürich"));
    }

    #[test]
    fn parses_languages() {
        assert_eq!("zh".parse::<Lang>().unwrap(), Lang::Zh);
        assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
        let err = "fr".parse::<Lang>().unwrap_err();
        assert_eq!(err.to_string(), "invalid language \"fr\": use zh or en");
    }

    #[test]
    fn translates_known_levels_only_in_chinese() {
        assert_eq!(Labels::of(Lang::Zh).level("station"), "便民服务站");
        assert_eq!(Labels::of(Lang::Zh).level("自定义"), "自定义");
        assert_eq!(Labels::of(Lang::En).level("station"), "station");
    }
}
