"""Every string the dashboard shows, in Chinese and English (templates and JS read this table).

Enum values (station classes, statuses, incident categories …) are labelled by
``firegrid.types`` instead; this table holds the rest of the interface.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["DEFAULT_LANG", "LANGS", "LANG_COOKIE", "STRINGS", "Lang", "parse_lang", "strings", "t"]

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"
#: Cookie remembering the language chosen with ``?lang=``.
LANG_COOKIE: Final = "firegrid_lang"

#: ``{key: (zh, en)}``. ``{name}`` placeholders are filled by the caller (Python or JS).
STRINGS: Final[dict[str, tuple[str, str]]] = {
    # page frame
    "app_title": ("区级消防救援数据平台", "District Fire & Rescue Data Platform"),
    "app_subtitle": ("数据底座 · 火灾统计 · 规划指标", "Data · Fire statistics · Plan indicators"),
    "district": ("辖区", "District"),
    "choose_district": ("选择辖区", "Choose a district"),
    "show": ("查看", "Show"),
    "language": ("语言", "Language"),
    "lang_zh": ("中文", "中文"),
    "lang_en": ("English", "English"),
    "year": ("年度", "Year"),
    "loading": ("加载中……", "Loading…"),
    "none": ("—", "—"),
    "data_sources": ("数据来源：{v}", "Data sources: {v}"),
    "footer_note": (
        "firegrid {version} · 离线运行，不依赖外部网络。",
        "firegrid {version} · runs offline, no external network needed.",
    ),
    "api_docs": ("接口文档", "API docs"),
    "page_nav": ("页面", "Pages"),
    "nav_dashboard": ("概览", "Overview"),
    "nav_siting": ("站点选址", "Station siting"),
    # login
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_submit": ("登录", "Log in"),
    "login_failed": ("登录失败：{detail}", "Login failed: {detail}"),
    "login_hint": (
        "登录后可查看警情点等非公开数据。",
        "Log in to see non-public data such as incident points.",
    ),
    "logged_in_as": ("当前用户", "Logged in as"),
    # empty states and errors
    "no_districts_title": ("尚无辖区数据", "No districts yet"),
    "no_districts_hint": (
        "数据库中还没有辖区。可先导入演示辖区：",
        "The database holds no district yet. Load a demo district first:",
    ),
    "error_title": ("出错了", "Something went wrong"),
    "not_found_title": ("未找到", "Not found"),
    "back_home": ("返回首页", "Back to the dashboard"),
    # honesty
    "synthetic_notice": (
        "演示数据：本页统计所用的 {n} 条警情记录是依据规划公布的汇总数字生成的合成记录，"
        "并非真实警情。各年汇总与规划一致，单条记录的时间和地点为模拟。",
        "Demo data: the {n} incident records behind these statistics are synthetic, generated "
        "from the totals published in the plan — not real calls. Yearly totals match the plan; "
        "the time and place of each record are simulated.",
    ),
    "synthetic_badge": ("合成数据", "Synthetic data"),
    # overview
    "overview": ("辖区概况", "Overview"),
    "area": ("面积", "Area"),
    "area_value": ("{v} 平方公里", "{v} km²"),
    "population": ("常住人口", "Resident population"),
    "population_value": ("{v} 万人（{year}年）", "{v} ({year})"),
    "townships": ("街道/乡镇", "Sub-districts & towns"),
    "stations": ("消防站点/队伍", "Stations & teams"),
    "stations_value": ("{n} 个（{located} 个已定位）", "{n} ({located} located)"),
    "record_years": ("记录年份", "Years with records"),
    # map
    "map": ("辖区地图", "Map"),
    "map_offline": (
        "离线模式：未配置底图瓦片（FIREGRID_TILE_URL），仅显示矢量图层。",
        "Offline: no base-map tiles configured (FIREGRID_TILE_URL); vector layers only.",
    ),
    "layer_basemap": ("底图", "Base map"),
    "layer_boundary": ("区界", "District boundary"),
    "layer_townships": ("街道/乡镇", "Sub-districts & towns"),
    "layer_stations": ("消防站点", "Stations"),
    "layer_incidents": ("警情点（{year}年，{n}条）", "Incidents ({year}, {n})"),
    "layer_incidents_synthetic": (
        "警情点（{year}年，{n}条，合成）",
        "Incidents ({year}, {n}, synthetic)",
    ),
    "incidents_login_hint": (
        "登录后可在地图上查看警情点图层。",
        "Log in to show the incident layer on the map.",
    ),
    "legend": ("图例", "Legend"),
    "legend_class": ("站点类别", "Station class"),
    "legend_status": ("建设状态", "Status"),
    "legend_precision": ("位置精度", "Location"),
    "legend_townships": ("街道/乡镇类型", "Township type"),
    "legend_incidents": ("警情类别", "Incident category"),
    "approximate_tooltip": ("位置为近似（乡镇驻地）", "approximate (township seat)"),
    "unlocated": ("未定位的站点/队伍", "Stations & teams without a location"),
    "unlocated_none": ("所有站点均已定位。", "Every station has a location."),
    "unlocated_hint": (
        "规划未公布以下站点/队伍的位置，因此未在地图上标注。",
        "The plan publishes no location for these, so the map cannot show them.",
    ),
    "station_class": ("类别", "Class"),
    "station_status": ("状态", "Status"),
    "staffing": ("队伍性质", "Staffing"),
    "planned_year": ("计划建成", "Planned for"),
    "township": ("所在街乡", "Township"),
    "source": ("来源", "Source"),
    "note": ("备注", "Note"),
    "received_at": ("接警时间", "Received"),
    "deaths": ("死亡", "Deaths"),
    "injuries": ("受伤", "Injuries"),
    "loss_yuan": ("直接损失（元）", "Direct loss (yuan)"),
    # coverage analysis
    "coverage": ("覆盖分析", "Coverage"),
    "coverage_intro": (
        "按响应时间标准（含出动时间）计算各站点在标准时间内可达的范围、责任辖区及其与建标152面积限值的对比。",
        "What each station reaches within the response standard (turn-out included), and its "
        "first-due district against the 建标152 area limit.",
    ),
    "coverage_network": ("路网", "Road network"),
    "coverage_approx_option": ("直线近似（无路网）", "Straight-line approximation (no network)"),
    "coverage_network_option": (
        "{name}（第{version}版，{km} 公里）",
        "{name} (v{version}, {km} km)",
    ),
    "coverage_minutes": ("时间标准（分钟）", "Standard (minutes)"),
    "coverage_vehicle": ("车型", "Vehicle"),
    "vehicle_light": ("轻型车辆", "Light vehicle"),
    "vehicle_heavy": ("重型消防车", "Heavy appliance"),
    "coverage_include_planned": ("含规划/在建站点", "Include planned stations"),
    "coverage_run": ("运行分析", "Run"),
    "coverage_running": ("计算中……", "Computing…"),
    "coverage_failed": ("覆盖分析失败：{detail}", "Coverage analysis failed: {detail}"),
    "coverage_hint": (
        "选择参数后点击“运行分析”，结果叠加在地图上。",
        "Choose the settings and press Run; the results are drawn on the map.",
    ),
    "coverage_approximate_badge": (
        "近似结果（直线×绕行系数）",
        "Approximate (straight line × circuity)",
    ),
    "coverage_approximate_note": (
        "未使用路网：行驶时间按直线距离×绕行系数 {circuity}、车速 {speed} 公里/小时估算，"
        "不区分车型。导入路网后可得到按道路计算的结果。",
        "No road network: driving time is the straight-line distance × circuity {circuity} at "
        "{speed} km/h, the same for every vehicle. Import a road network for exact results.",
    ),
    "coverage_network_badge": ("路网 {name} 第{version}版", "Road network {name} v{version}"),
    "coverage_heading": (
        "{minutes} 分钟覆盖 · {vehicle}",
        "{minutes}-minute coverage · {vehicle}",
    ),
    "share_road": ("道路", "Roads"),
    "share_places": ("居民点", "Places"),
    "share_area": ("面积", "Area"),
    "share_heavy_light": ("居民点：重型 / 轻型", "Places: heavy / light"),
    "share_heavy_needs_network": ("需路网", "needs a network"),
    "coverage_within": ("标准时间内的比例", "Share within the standard"),
    "coverage_elapsed": ("计算用时 {s} 秒", "computed in {s} s"),
    "coverage_cached": ("计算用时 {s} 秒（缓存结果）", "computed in {s} s (cached result)"),
    "coverage_places_uncovered": (
        "{n} 个居民点超出标准（地图上的小圆点）",
        "{n} places beyond the standard (small dots on the map)",
    ),
    "coverage_over_limit_title": ("超出面积限值的辖区", "Districts over the area limit"),
    "coverage_over_limit_none": (
        "没有辖区超出面积限值。",
        "No district exceeds its area limit.",
    ),
    "coverage_districts_title": ("站点责任辖区", "First-due districts"),
    "coverage_area_vs_limit": ("{area} / {limit} 平方公里", "{area} / {limit} km²"),
    "coverage_times_limit": ("为限值的 {x} 倍", "{x} × the limit"),
    "coverage_no_limit": ("无限值", "no limit"),
    "coverage_planned": ("规划", "planned"),
    "col_station": ("站点", "Station"),
    "col_district_area": ("辖区面积（km²）", "Area (km²)"),
    "col_limit": ("限值（km²）", "Limit (km²)"),
    "col_within_standard": ("标准内（km²）", "Within standard (km²)"),
    "coverage_download": ("下载全部图层", "Download every layer"),
    "download_geojson": ("GeoJSON", "GeoJSON"),
    "download_gpkg": ("GeoPackage", "GeoPackage"),
    "legend_coverage": ("覆盖分析", "Coverage"),
    "layer_coverage": ("覆盖分析（{minutes} 分钟）", "Coverage ({minutes} min)"),
    "cov_layer_district": ("站点责任辖区", "First-due district"),
    "cov_layer_isochrone": (
        "标准时间内可达（按站点着色）",
        "Reached within the standard (per station)",
    ),
    "cov_layer_uncovered_area": ("标准时间外区域", "Beyond the standard"),
    "cov_layer_uncovered_place": ("未覆盖的居民点", "Place beyond the standard"),
    "cov_layer_road_gap": ("未覆盖的道路", "Road beyond the standard"),
    "cov_layer_station": ("参与分析的站点", "Station analysed"),
    "cov_over_limit": ("超出面积限值的辖区", "District over the area limit"),
    "place_time": ("响应时间 {v} 分钟", "response {v} min"),
    "place_unreached": ("不可达", "not reached"),
    "district_tip": (
        "{station}：辖区 {area} 平方公里，限值 {limit}，标准内 {covered} 平方公里",
        "{station}: district {area} km², limit {limit}, within the standard {covered} km²",
    ),
    # station siting
    "siting_title": ("消防站选址分析", "Station siting"),
    "siting_intro": (
        "在现有站点基础上求解新增站点的最优位置（最大覆盖模型），与规划站点对比，"
        "或假设新增、撤销、移动站点，查看标准时间内的覆盖和责任辖区的变化。"
        "所有计算只读，不修改任何数据。",
        "Where new stations next to the existing ones cover the most (maximal covering), how "
        "the plan's stations compare with the optimum, and what adding, closing or moving a "
        "station does to coverage and first-due districts. Read-only: nothing is stored.",
    ),
    "siting_model": ("分析模型", "Model"),
    "siting_model_best": ("最优新增站点（最大覆盖）", "Best new sites (MCLP)"),
    "siting_model_compare": ("规划方案对比", "Plan vs optimum"),
    "siting_model_whatif": ("假设分析", "What-if"),
    "siting_p": ("新增站点数", "New stations (p)"),
    "siting_spacing": ("候选点间距（米）", "Candidate spacing (m)"),
    "siting_run": ("运行", "Run"),
    "siting_running": ("计算中…… {s} 秒", "Computing… {s} s"),
    "siting_failed": ("选址分析失败：{detail}", "Siting failed: {detail}"),
    "siting_hint": (
        "选择模型和参数后点击“运行”，结果显示在地图和此处。",
        "Choose a model and its settings, then press Run; the results appear on the map and here.",
    ),
    "siting_results": ("分析结果", "Results"),
    "siting_best_headline": (
        "新增 {p} 座站点：居民点覆盖 {before} → {after}",
        "{p} new stations: places covered {before} → {after}",
    ),
    "siting_kpi_before": ("现状", "Now"),
    "siting_kpi_after": ("新增后", "After"),
    "siting_kpi_gain": ("提升", "Gain"),
    "siting_points": ("+{v} 个百分点", "+{v} pts"),
    "siting_points_signed": ("{v} 个百分点", "{v} pts"),
    "siting_new_sites": ("新增站点（按贡献排序）", "New sites (by what each adds)"),
    "siting_site_gain": ("覆盖 +{v}", "covers +{v}"),
    "siting_candidates_places": (
        "候选点：{n} 个居民点（每 {m} 米方格至多一个）。",
        "Candidates: {n} settlements (at most one per {m} m square).",
    ),
    "siting_candidates_nodes": (
        "候选点：{n} 个路网交叉口（每 {m} 米方格至多一个）。",
        "Candidates: {n} road junctions (at most one per {m} m square).",
    ),
    "siting_candidates_compare": (
        "候选点：{n} 个（含规划站点）。",
        "Candidates: {n} sites (the plan's stations included).",
    ),
    "siting_solver_line": ("求解状态：{status}", "Solver: {status}"),
    "siting_status_optimal": ("最优解（已证明）", "Optimal (proven)"),
    "siting_status_feasible": ("可行解，差距 {gap}", "Feasible, gap {gap}"),
    "siting_status_infeasible": ("无可行解", "Infeasible"),
    "siting_status_no_solution": ("时限内未找到解", "No solution within the time limit"),
    "siting_solver_time": ("求解 {s} 秒", "solved in {s} s"),
    "siting_elapsed": ("计算用时 {s} 秒", "computed in {s} s"),
    "siting_cached": ("计算用时 {s} 秒（缓存结果）", "computed in {s} s (cached result)"),
    "siting_compare_headline": (
        "规划站点覆盖 {plan}，同等数量最优布局 {optimum}",
        "The plan's stations cover {plan}; the best layout of the same number {optimum}",
    ),
    "siting_kpi_existing": ("仅现有站点", "Existing only"),
    "siting_kpi_plan": ("规划方案（{n} 座）", "Plan ({n})"),
    "siting_kpi_optimum": ("最优布局（{n} 座）", "Optimum ({n})"),
    "siting_plan_ratio": (
        "规划方案的覆盖量为同等数量最优布局的 {v}。",
        "The plan covers {v} of what the optimum of the same number covers.",
    ),
    "siting_plan_stations": ("规划站点（规划/在建）", "The plan's stations"),
    "siting_optimum_stations": ("最优布局站点", "The optimum's sites"),
    "siting_in_plan": ("与规划相同", "same as the plan"),
    "siting_whatif_headline": (
        "新增 {add} 座、撤销 {close} 座、移动 {move} 座",
        "{add} added, {close} closed, {move} moved",
    ),
    "siting_col_measure": ("覆盖率", "Covered"),
    "siting_col_before": ("调整前", "Before"),
    "siting_col_after": ("调整后", "After"),
    "siting_col_delta": ("变化", "Change"),
    "siting_demand_equal": (
        "需求：{n} 个居民点，等权（未记录各点人口）。",
        "Demand: {n} settlements, equal weights (no population recorded per place).",
    ),
    "siting_demand_population": (
        "需求：{n} 个居民点，按人口加权。",
        "Demand: {n} settlements weighted by population.",
    ),
    "siting_districts_title": ("调整后的站点责任辖区", "First-due districts after"),
    "siting_uncovered": (
        "{n} 个居民点仍超出标准（地图上的小圆点）",
        "{n} places still beyond the standard (dots on the map)",
    ),
    "siting_new_tag": ("新增", "new"),
    "siting_legend": ("选址分析", "Siting"),
    "siting_layer_result": ("选址结果", "Siting result"),
    "siting_layer_existing": ("现有站点", "Existing station"),
    "siting_layer_new_site": ("新增站点（编号为排序）", "New site (numbered by rank)"),
    "siting_layer_plan": ("规划站点", "The plan's station"),
    "siting_layer_optimum": ("最优布局站点", "The optimum's site"),
    "siting_layer_district": ("调整后的责任辖区", "First-due district after"),
    "siting_layer_uncovered_place": ("未覆盖的居民点", "Place beyond the standard"),
    "siting_layer_station": ("假设新增的站点", "Station added (what-if)"),
    "siting_layer_closed": ("撤销的站点", "Station closed"),
    "siting_layer_moved_from": ("移动的站点（原位置 → 新位置）", "Station moved (old → new)"),
    "whatif_add": ("在地图上放置新站", "Place a new station on the map"),
    "whatif_add_active": ("请在地图上点击新站位置……", "Click the map where it goes…"),
    "whatif_new_name": ("新站{n}", "New station {n}"),
    "whatif_class": ("新站类别", "Class of new stations"),
    "whatif_added_title": ("新增站点", "Stations to add"),
    "whatif_added_none": ("尚未放置新站。", "No new station placed yet."),
    "whatif_existing_title": ("现有站点：撤销或移动", "Existing stations: close or move"),
    "whatif_close": ("撤销", "Close"),
    "whatif_move": ("移动", "Move"),
    "whatif_move_active": ("点击地图上的新位置……", "Click the new place on the map…"),
    "whatif_moved_to": ("移至 {lon}, {lat}", "to {lon}, {lat}"),
    "whatif_reset": ("复原", "Reset"),
    "whatif_remove": ("删除", "Remove"),
    "whatif_nothing": (
        "请先新增、撤销或移动至少一座站点。",
        "Add, close or move at least one station first.",
    ),
    "whatif_drag_hint": (
        "可拖动地图上的新站和移动后的标记调整位置。",
        "Drag the markers of new and moved stations to adjust them.",
    ),
    # indicators
    "indicators": ("规划指标", "Plan indicators"),
    "indicators_unavailable": ("规划指标暂不可用。", "Indicators unavailable."),
    "indicators_none": (
        "该辖区没有登记的规划指标。",
        "No plan indicators are registered for this district.",
    ),
    "plan_period": ("规划期 {start}—{end} 年", "Plan period {start}–{end}"),
    "col_number": ("序号", "No."),
    "col_category": ("类别", "Category"),
    "col_indicator": ("指标", "Indicator"),
    "col_target": ("目标值", "Target"),
    "col_value": ("{year}年值", "{year} value"),
    "col_baseline": ("基期值", "Baseline"),
    "col_binding": ("属性", "Type"),
    "col_status": ("状态", "Status"),
    "col_explanation": ("说明", "Explanation"),
    "binding_binding": ("约束性", "Binding"),
    "binding_expected": ("预期性", "Expected"),
    "kind_annual": ("逐年", "Annual"),
    "kind_cumulative": ("累计", "Cumulative"),
    "kind_level": ("期末", "End level"),
    "status_on_track": ("达标", "On track"),
    "status_at_risk": ("预警", "At risk"),
    "status_missed": ("未达标", "Missed"),
    "status_no_data": ("缺数据", "No data"),
    "reason_no_value": ("无法计算当年值", "No value could be computed"),
    "reason_target_met": ("已达到目标", "Target met"),
    "reason_within_warning_band": ("达到目标但接近限值", "Met, but close to the limit"),
    "reason_target_not_met": ("未达到目标", "Target not met"),
    "reason_target_not_yet_met": ("尚未达到期末目标", "End target not reached yet"),
    "reason_target_reached": ("已达到期末目标", "End target reached"),
    "reason_on_trajectory": ("进度符合预期", "On the expected trajectory"),
    "reason_behind_trajectory": ("进度落后于预期", "Behind the expected trajectory"),
    "reason_target_not_reached": ("期末未达到目标", "End target not reached"),
    "missing": ("缺少：{items}", "Missing: {items}"),
    "list_sep": ("；", "; "),
    "baseline_year": ("{v}（{year}年）", "{v} ({year})"),
    "unit_per_100k": ("/十万人", "per 100k"),
    "unit_per_10k": ("/万人", "per 10k"),
    "unit_per_million": ("/百万人", "per million"),
    "unit_percent": ("%", "%"),
    "unit_count": ("个", ""),
    "unit_persons": ("人", "persons"),
    "unit_persons_per_year": ("人/年", "persons/yr"),
    # fire statistics
    "fire_table": ("火灾情况统计", "Fire statistics"),
    "fire_table_caption": (
        "{first}—{last} 年火灾情况统计表（由警情记录汇总）",
        "Fires {first}–{last}, tabulated from the incident records",
    ),
    "col_year": ("年度", "Year"),
    "col_fires": ("火灾起数", "Fires"),
    "col_injuries": ("受伤人数", "Injured"),
    "col_deaths": ("死亡人数", "Deaths"),
    "col_loss": ("直接财产损失（元）", "Direct loss (yuan)"),
    "col_population": ("常住人口（万人）", "Resident population (10k)"),
    "col_death_rate": ("十万人口火灾死亡率", "Fire deaths per 100,000"),
    "total_row": ("合计", "Total"),
    "total_note": (
        "合计行：常住人口为各年平均值，死亡率为年均值。",
        "Total row: population is the mean of the years; the death rate is the mean annual rate.",
    ),
    "derived_note": (
        "* 推算值，非规划直接公布。",
        "* Derived from other published figures, not printed in the plan.",
    ),
    "calls_table": ("接警出动分类统计", "Calls by category"),
    "col_calls_total": ("合计", "All calls"),
    "unrecorded_note": (
        "“—”：记录中没有这一类警情（规划未公布该类数字），不等于零起。",
        "A dash (—) means no records of this category (the plan publishes no figure for it), "
        "not zero calls.",
    ),
    "trend": ("年度趋势", "Trend"),
    "chart_fires": ("火灾起数", "Fires"),
    "chart_deaths": ("死亡人数", "Deaths"),
    "chart_loss": ("直接财产损失（万元）", "Direct loss (10k yuan)"),
    "chart_aria": ("{title}，{first}—{last} 年柱状图", "{title}, bar chart {first}–{last}"),
    # data quality
    "quality": ("数据质量检查", "Data quality"),
    "quality_intro": (
        "对规划公布的统计表做合理性检查，并与记录汇总核对。",
        "Plausibility checks on the published tables, and records checked against them.",
    ),
    "quality_none": ("未发现问题。", "No findings."),
    "quality_unavailable": ("数据质量检查暂不可用。", "Data-quality findings unavailable."),
    "severity_error": ("错误", "Error"),
    "severity_warning": ("警告", "Warning"),
    "quality_where": (
        "{table} · 列 {column} · 行 {rows}",
        "{table} · column {column} · rows {rows}",
    ),
    "evidence": ("证据", "Evidence"),
    # command centre: map layers and legend
    "layer_units": ("执勤车辆（实时）", "Units (live)"),
    "layer_open_incidents": ("在办警情", "Open incidents"),
    "layer_water": ("消防水源", "Water sources"),
    "layer_key_units": ("重点单位", "Key units"),
    "layer_heat": ("历史警情热力（{first}—{last}年）", "Incident heat ({first}–{last})"),
    "layer_scene": ("报警位置与附近水源", "Call location and nearest water"),
    "legend_heat": ("历史警情密度（1 公里网格）", "Historical incidents (1 km grid)"),
    "legend_heat_few": ("少", "few"),
    "legend_heat_many": ("多", "many"),
    "legend_command": ("指挥调度图层", "Command-centre layers"),
    "legend_unit_status": ("车辆状态", "Unit status"),
    "legend_water_status": ("水源状态", "Water-source status"),
    "legend_open_incident": ("在办警情（颜色为警情等级）", "Open incident (colour = alarm level)"),
    "legend_scene": ("报警位置", "Call location"),
    "heat_cell": ("{n} 起警情", "{n} incidents"),
    # command centre: panel
    "dispatch_title": ("指挥调度（119）", "Command centre (119)"),
    "dispatch_login_hint": (
        "登录后可使用指挥调度：接警、调派建议、车辆状态实时更新。",
        "Log in to use the command centre: take calls, get recommendations, see live unit status.",
    ),
    "dispatch_read_only": (
        "只读：接警与调派需要调度员或管理员角色。",
        "Read only: taking calls and dispatching need the dispatcher or admin role.",
    ),
    "dispatch_synthetic_notice": (
        "演示数据：车辆、水源、重点单位和预案是合成记录，编号与位置为模拟。",
        "Demo data: units, water sources, key units and pre-plans are synthetic; names and "
        "positions are simulated.",
    ),
    "live_connected": ("实时", "Live"),
    "live_connecting": ("连接中……", "Connecting…"),
    "live_reconnecting": ("连接中断，正在重连……", "Connection lost, reconnecting…"),
    "intake_title": ("接警", "New call"),
    "intake_hint": (
        "在地图上点击报警位置，或输入经纬度、按名称搜索。",
        "Click the location on the map, type lon/lat, or search by name.",
    ),
    "intake_lon": ("经度", "Longitude"),
    "intake_lat": ("纬度", "Latitude"),
    "intake_crs": ("坐标系", "Coordinates"),
    "crs_wgs84": ("WGS84（GPS）", "WGS84 (GPS)"),
    "crs_gcj02": ("GCJ-02（高德/腾讯）", "GCJ-02 (AMap/Tencent)"),
    "intake_search": ("按名称搜索", "Search by name"),
    "search_button": ("搜索", "Search"),
    "search_none": ("未找到。", "Nothing found."),
    "search_failed": ("搜索失败：{detail}", "Search failed: {detail}"),
    "search_kind_key_unit": ("重点单位", "Key unit"),
    "search_kind_building": ("建筑", "Building"),
    "search_kind_township": ("街道/乡镇", "Sub-district/town"),
    "search_kind_village": ("村", "Village"),
    "search_kind_place": ("地点", "Place"),
    "intake_category": ("警情类型", "Type"),
    "intake_subtype": ("子类型", "Sub-type"),
    "subtype_none": ("（无）", "(none)"),
    "subtype_water": ("水域救援", "Water rescue"),
    "subtype_mountain": ("山岳救援", "Mountain rescue"),
    "subtype_hazmat": ("危化品事故", "Hazardous materials"),
    "subtype_collapse": ("建筑坍塌", "Building collapse"),
    "subtype_traffic": ("交通事故", "Traffic accident"),
    "intake_building_class": ("建筑类别", "Building class"),
    "building_class_none": ("（未知）", "(unknown)"),
    "intake_trapped": ("被困人数", "Trapped"),
    "intake_casualties": ("伤亡人数", "Casualties"),
    "intake_large_area": ("过火面积大", "Large fire area"),
    "intake_address": ("地址", "Address"),
    "intake_phone": ("报警电话", "Caller phone"),
    "intake_submit": ("创建警情", "Create incident"),
    "intake_no_location": (
        "请先设定报警位置（点击地图或输入经纬度）。",
        "Set the location first (click the map or type lon/lat).",
    ),
    "intake_failed": ("创建警情失败：{detail}", "Could not create the incident: {detail}"),
    "intake_created": ("已创建警情 {id}。", "Incident {id} created."),
    "open_incidents_title": ("在办警情", "Open incidents"),
    "open_incidents_none": ("暂无在办警情。", "No open incidents."),
    "incident_title": ("当前警情", "Incident"),
    "incident_close_view": ("关闭", "Close"),
    "incident_level_auto": ("报警信息判定：{label}", "Level from the report: {label}"),
    "incident_trapped": (
        "被困 {trapped}，伤亡 {casualties}",
        "Trapped {trapped}, casualties {casualties}",
    ),
    "rec_title": ("调派建议", "Recommendation"),
    "rec_loading": ("正在计算调派建议……", "Computing the recommendation…"),
    "rec_failed": ("调派建议失败：{detail}", "Recommendation failed: {detail}"),
    "rec_complete": ("满足出动标准（{cards}）", "Meets the run card ({cards})"),
    "rec_incomplete": ("未满足出动标准，见缺口", "Run card not met: see the shortfall"),
    "rec_none": ("没有可调派的车辆。", "No unit to recommend."),
    "rec_stale": ("已变化", "changed"),
    "rec_approximate": (
        "近似：本辖区未设置路网，行驶时间按直线距离估算，水源距离为直线距离。",
        "Approximate: no road network is set for this district; travel times are estimated from "
        "straight-line distance and water-source distances are straight-line.",
    ),
    "col_call_sign": ("车辆", "Unit"),
    "col_unit_station": ("队站", "Station"),
    "col_unit_type": ("车型", "Type"),
    "col_eta": ("预计到场", "ETA"),
    "col_for": ("用途", "For"),
    "col_unit_status": ("状态", "Status"),
    "col_actions": ("操作", "Actions"),
    "col_water_type": ("类型", "Type"),
    "col_water_code": ("编号", "Code"),
    "col_distance": ("距离（米）", "Distance (m)"),
    "shortfall_title": ("力量缺口", "Shortfall"),
    "rec_already": ("已调派（计入本方案）：", "Already sent (counted towards the card):"),
    "shortfall_missing": ("缺 {n}", "{n} missing"),
    "shortfall_alternatives": ("可选替代：", "Alternatives:"),
    "shortfall_no_alternatives": ("无可用替代力量。", "No alternative available."),
    "water_title": ("附近水源", "Nearest water sources"),
    "water_none": ("附近无可用水源。", "No usable water source nearby."),
    "preplan_title": ("灭火救援预案", "Pre-plan"),
    "preplan_none": ("该位置没有预案。", "No pre-plan for this location."),
    "rec_notes": ("说明", "Notes"),
    "accept_button": ("确认调派", "Accept and dispatch"),
    "escalate_button": ("升级（+1）", "Escalate (+1)"),
    "escalate_max": ("已是最高等级", "Highest level"),
    "assigned_ok": ("已调派：{units}", "Dispatched: {units}"),
    "conflict_alert": (
        "调派冲突（其他调度员已先行操作）：{detail}",
        "Conflict (another dispatcher acted first): {detail}",
    ),
    "action_failed": ("操作失败：{detail}", "Failed: {detail}"),
    "incident_units_title": ("本警情车辆", "Units on this incident"),
    "incident_units_none": ("尚未调派车辆。", "No unit assigned yet."),
    "unit_board_title": ("全部车辆", "All units"),
    "unit_set_status": ("将 {unit} 设为“{status}”", "Set {unit} to “{status}”"),
    "unit_crew": ("人数", "Crew"),
    "unit_incident": ("警情", "Incident"),
    "water_code": ("编号", "Code"),
    "key_unit_occupancy": ("使用性质", "Occupancy"),
    "key_unit_pre_plan": ("有灭火救援预案", "Has a pre-plan"),
    "key_unit_no_pre_plan": ("无预案", "No pre-plan"),
    "use_as_location": ("设为报警位置", "Use as the call location"),
    "alert_dismiss": ("关闭提示", "Dismiss"),
    "scene_draft": ("拟报警位置", "Call location (not yet saved)"),
}


def _check(table: dict[str, tuple[str, str]]) -> None:
    empty = [k for k, (zh, _en) in table.items() if not zh]
    if empty:
        raise ValueError(f"i18n: strings without Chinese text: {empty}")


_check(STRINGS)


def parse_lang(value: str | None) -> Lang | None:
    """``"zh"``/``"en"`` (case-insensitive, ``zh-CN`` accepted), else None."""
    if not value:
        return None
    code = value.strip().lower().split("-")[0]
    return next((lang for lang in LANGS if lang == code), None)


def t(key: str, lang: Lang, **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{name}`` placeholders filled (KeyError if unknown)."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def strings(lang: Lang) -> dict[str, str]:
    """The whole table in one language (handed to the page's JavaScript)."""
    return {key: (en if lang == "en" else zh) for key, (zh, en) in STRINGS.items()}
