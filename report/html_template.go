package report

import (
	"html/template"
	"strings"
)

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	// breakable lets a long benchmark name wrap after a slash, not mid-word.
	"breakable": func(s string) template.HTML {
		parts := strings.Split(s, "/")
		for i, p := range parts {
			parts[i] = template.HTMLEscapeString(p)
		}
		return template.HTML(strings.Join(parts, "/<wbr>"))
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:">
<title>zbench report{{range .Runs}} · {{.Label}}{{end}}</title>
<style>
:root { --fg:#1a1a1a; --muted:#5b5b5b; --line:#d8d8d8; --best:#e3f4e8; --bestfg:#0b6b2e; --diff:#fff1c9; --warn:#9a5b00; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 12px; max-width: 1800px; }
h1 { font-size: 1.5em; margin: .2em 0; }
h2 { font-size: 1.25em; margin: 1.4em 0 .4em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1em 0 .3em; }
.muted { color: var(--muted); }
.wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.name { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; min-width: 10em; }
a.mark { font-size: .8em; color: var(--warn); text-decoration: none; }
ol.notes { font-size: .88em; color: var(--warn); padding-left: 2.2em; }
td.best { background: var(--best); color: var(--bestfg); font-weight: 600; }
td.best::after { content: " ★"; }
.wide { color: var(--warn); font-weight: 600; }
td.differ { background: var(--diff); font-weight: 600; }
tr.differ th { background: var(--diff); }
.state { color: var(--muted); font-style: italic; }
.warn { color: var(--warn); }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -.1em; margin-right: .3em; }
ul.runs { padding-left: 1.2em; }
ul.runs li { margin: .2em 0; word-break: break-word; }
figure { margin: 1em 0; min-width: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 760px), 1fr)); gap: 0 1.5em; }
figure svg { width: 100%; height: auto; max-width: 1100px; display: block; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9em; }
#filter { font: inherit; padding: 4px 8px; width: min(30em, 100%); margin: .3em 0 .6em; }
th[data-col] { cursor: pointer; user-select: none; white-space: nowrap; }
th[data-col]::after { content: " ⇅"; color: var(--muted); font-size: .8em; }
th[aria-sort=ascending]::after { content: " ▲"; }
th[aria-sort=descending]::after { content: " ▼"; }
.verdict { font-size: .85em; color: var(--muted); }
section.history { border: 1px dashed var(--line); padding: .5em 1em; }
.verdict { display: inline-block; min-width: 14em; }
@media (max-width: 600px) { body { font-size: 14px; padding: 8px; } th, td { padding: 2px 5px; } td.name { min-width: 8em; } }
</style>
</head>
<body>
<header>
<h1>zbench report</h1>
<p class="muted">{{if gt (len .Runs) 1}}A comparison of {{len .Runs}} runs.{{else}}One run.{{end}} Written {{.Generated}}. Medians with their 95% confidence intervals; ★ marks the better run where the difference is significant (Mann–Whitney U, p &lt; 0.05); <span class="wide">±</span> in this colour is an interval wider than ±10% (or none: too few samples), too wide to see small changes: more samples (<code>--count</code>) or a quieter machine narrow it.</p>
<ul class="runs">{{range $i, $r := .Runs}}
<li><span class="swatch" style="background:{{$r.Color}}"></span><b>{{$r.Label}}</b>: {{$r.Desc}}{{if $r.Ref}} <span class="warn">(quoted figures, not a zbench measurement)</span>{{end}}{{with index $.Warnings $i}}<br><span class="warn">host warnings: {{join . "; "}}</span>{{end}}</li>{{end}}
</ul>
</header>

<section id="summary">
<h2>Summary</h2>
{{range .Families}}
<h3>{{.Name}}{{with .What}} <span class="muted">· {{.}}</span>{{end}}</h3>
<div class="wrap"><table class="summary" data-family="{{.Name}}">
<thead><tr><th>benchmark</th><th>unit</th>{{range $.Runs}}<th class="num">{{.Label}}</th>{{end}}{{if gt (len $.Runs) 1}}<th>comparison</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}
<tr data-name="{{.Name}}"><td class="name">{{breakable .Name}}</td><td>{{.Unit}}</td>{{range $i, $c := .Cells}}{{template "cell" $c}}{{end}}{{if gt (len $.Runs) 1}}<td>{{template "notes" .}}</td>{{end}}</tr>{{end}}
</tbody></table></div>
{{template "notelist" .Notes}}
{{if .More}}<p class="muted">and {{.More}} more {{.Name}} benchmarks in <a href="#results">every result</a>.</p>{{end}}
{{end}}
</section>

<section id="results">
<h2>Every result</h2>
<input id="filter" type="search" placeholder="filter: a name, a parameter (cpu=same), a note" aria-label="filter the results">
<div class="wrap"><table id="all">
<thead><tr><th data-col="0" data-type="text" tabindex="0">benchmark</th><th data-col="1" data-type="text" tabindex="0">unit</th>{{range $i, $r := .Runs}}<th class="num" data-col="{{add 2 $i}}" data-type="num" tabindex="0">{{$r.Label}}</th>{{end}}{{if gt (len $.Runs) 1}}<th>comparison</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}
<tr data-name="{{.Name}}" data-notes="{{.NoteText}}"><td class="name">{{breakable .Name}}</td><td>{{.Unit}}</td>{{range $i, $c := .Cells}}{{template "cell" $c}}{{end}}{{if gt (len $.Runs) 1}}<td>{{template "notes" .}}</td>{{end}}</tr>{{end}}
</tbody></table></div>
<p class="muted" id="shown"></p>
<h3>Notes</h3>
{{if .Notes}}<ol class="notes">{{range .Notes}}<li id="note-{{.ID}}" value="{{.ID}}">{{.Text}}</li>{{end}}</ol>{{else}}<p class="muted">None.</p>{{end}}
</section>

<section id="charts">
<h2>Charts</h2>
<div class="charts">{{range .Charts}}
<figure data-kind="{{.Kind}}" id="chart-{{.File}}">{{.SVG}}<figcaption>{{.Title}}</figcaption></figure>
{{else}}<p class="muted">No chart: the runs hold nothing a chart draws.</p>{{end}}</div>
{{if .Skipped}}<p class="muted">Not drawn:</p><ul class="muted">{{range .Skipped}}<li>{{.Kind}}: {{.Reason}}</li>{{end}}</ul>{{end}}
</section>

{{/* HISTORY: trends and change points over a run history go here, when a
history store is given: fill htmlPage with them and render them in this
section (docs/design.md, "The HTML report"). */}}
<section id="history" class="history" data-pending="history store">
<h2>History</h2>
<p class="muted">Trends and change points over earlier runs appear here when the report is given a run history. This report was made from {{len .Runs}} run record{{if gt (len .Runs) 1}}s{{end}} alone.</p>
</section>

<section id="environment">
<h2>Environment</h2>
{{if gt (len .Runs) 1}}<p class="muted">Values that differ from the first run's are highlighted (a quoted reference's environment is shown, not compared).</p>{{end}}
<div class="wrap"><table id="env">
<thead><tr><th></th>{{range .Runs}}<th>{{.Label}}</th>{{end}}</tr></thead>
<tbody>{{range .Env}}
<tr{{if .Differ}} class="differ"{{end}}><th>{{.Key}}</th>{{range .Values}}<td{{if .Differ}} class="differ"{{else if .Ref}} class="muted"{{end}}>{{.Value}}</td>{{end}}</tr>{{end}}
</tbody></table></div>
</section>

<script>
(function () {
  var table = document.getElementById("all");
  var body = table.tBodies[0];
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");
  function count() {
    var n = 0;
    for (var i = 0; i < body.rows.length; i++) if (!body.rows[i].hidden) n++;
    shown.textContent = n + " of " + body.rows.length + " benchmarks shown";
  }
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    for (var i = 0; i < body.rows.length; i++) {
      var r = body.rows[i];
      var text = (r.textContent + " " + (r.getAttribute("data-notes") || "")).toLowerCase();
      r.hidden = q !== "" && text.indexOf(q) < 0;
    }
    count();
  });
  var heads = table.tHead.rows[0].cells;
  for (var h = 0; h < heads.length; h++) {
    var th = heads[h];
    if (!th.hasAttribute("data-col")) continue;
    var sorter = (function (th, col) {
      return function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        for (var k = 0; k < heads.length; k++) heads[k].removeAttribute("aria-sort");
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var num = th.getAttribute("data-type") === "num";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          if (num) {
            var u = parseFloat(x.getAttribute("data-v")), v = parseFloat(y.getAttribute("data-v"));
            if (isNaN(u) && isNaN(v)) return 0;
            if (isNaN(u)) return 1;
            if (isNaN(v)) return -1;
            return asc ? u - v : v - u;
          }
          var s = x.textContent, t = y.textContent;
          return asc ? s.localeCompare(t) : t.localeCompare(s);
        });
        for (var i = 0; i < rows.length; i++) body.appendChild(rows[i]);
      };
    })(th, h);
    th.addEventListener("click", sorter);
    th.addEventListener("keydown", (function (sort) {
      return function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } };
    })(sorter));
  }
  count();
})();
</script>
</body>
</html>
{{define "cell"}}{{if eq .State "measured"}}<td class="num{{if .Best}} best{{end}}" data-v="{{.Raw}}" title="95% interval {{.CIRange}}, {{.N}} samples">{{.Median}} <span class="{{if .Wide}}wide{{else}}muted{{end}}">{{.CI}}</span>{{template "marks" .Notes}}</td>{{else if eq .State "missing"}}<td class="num state" data-v="" title="{{.Why}}">—</td>{{else}}<td class="num state" data-v="" title="{{.Why}}">{{.State}}{{template "marks" .Notes}}</td>{{end}}{{end}}
{{define "marks"}}{{range .}} <a class="mark" href="#note-{{.}}">[{{.}}]</a>{{end}}{{end}}
{{define "notes"}}{{with .Verdict}}<span class="verdict">{{.}}</span>{{end}}{{end}}
{{define "notelist"}}{{if .}}<ol class="notes">{{range .}}<li value="{{.ID}}">{{.Text}}</li>{{end}}</ol>{{end}}{{end}}
`))
