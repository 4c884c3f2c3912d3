/// The HTML report's page as Mustache templates (swift-mustache): every `{{value}}` is
/// HTML-escaped by the engine, so text from a capture cannot become markup.
///
/// The one unescaped value is `{{{viewJSON}}}`, inside a `<script type="application/json">`: there
/// HTML escaping would be wrong (a script's text is not entity-decoded), and the JSON writer
/// escapes it for that context instead (`<`, `>`, `&` as `\u003c`... so no `</script>` can appear).
/// The style and script are partials: constant text, no value from a capture. The page's
/// Content-Security-Policy allows only them (by SHA-256), so even markup that slipped through
/// could run no script and load nothing.
enum SequencePageTemplate {
    static let page = #"""
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '{{styleHash}}'; script-src '{{scriptHash}}'; img-src data:">
<link rel="icon" href="data:,">
<title>glancetrace report</title>
<style>{{> style}}</style></head><body>
<header>
<h1>glancetrace report</h1>
<ul class="captures">
{{#captures}}
<li><span class="mono">{{path}}</span>: {{packets}} packets, <span class="mono">{{first}}</span> .. <span class="mono">{{last}}</span></li>
{{/captures}}
</ul>
{{#warnings}}
<p class="bad">warning: {{.}}</p>
{{/warnings}}
</header>

<section id="sequence-section">
<h2>Sequence</h2>
<div class="toolbar">
<button type="button" id="zoom-fit" title="Show the whole capture (0)">fit</button>
<button type="button" id="zoom-in" title="Zoom in (+)">+</button>
<button type="button" id="zoom-out" title="Zoom out (&minus;)">&minus;</button>
<span id="view-range" class="mono"></span>
<span id="filter-banner" hidden>showing one image only: <span id="filter-name"></span> <button type="button" id="filter-clear">show all</button></span>
</div>
<div id="sequence-box"><svg id="sequence" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="sequence of HTTP requests and SQL statements per party"></svg></div>
<p class="legend"><span class="key svc-keystone"></span>Keystone <span class="key svc-glance"></span>Glance <span class="key svc-swift"></span>object store <span class="key svc-other"></span>other
<span class="key sql-key"></span>SQL statement (colour of its request's service; grey: no request) <span class="key inferred-key"></span>inferred from encrypted records
<span class="key proxy-key"></span>proxy hop <span class="key anomaly-key"></span>anomaly.
Wheel or +/&minus; to zoom, drag to pan, click a request for its detail, an image's name for only its calls.</p>
<noscript><p class="bad">The sequence view needs JavaScript; the tables below hold the same story.</p></noscript>
</section>

<section id="detail" hidden>
<h2 id="detail-title"></h2>
<dl id="detail-facts"></dl>
<div class="messages">
<div><h3>Request</h3><pre id="detail-request"></pre></div>
<div><h3>Response</h3><pre id="detail-response"></pre></div>
</div>
<h3 id="detail-sql-title"></h3>
<table id="detail-sql"><thead><tr><th>+ms</th><th>ms</th><th>statement</th><th>result</th><th>attribution</th></tr></thead><tbody></tbody></table>
</section>

<section id="images">
{{^images}}
<p>No Glance image seen.</p>
{{/images}}
{{#images}}
<h2>Image <a href="#sequence-section" class="image-filter" data-image="{{index}}">{{name}}</a> <span class="mono">{{id}}</span></h2>
<p class="lifecycle">{{#transitions}}<span class="status-chip status-{{status}}">{{status}}</span> {{/transitions}}</p>
<table class="facts">
{{#facts}}
<tr><th>{{name}}</th><td class="mono">{{value}}</td></tr>
{{/facts}}
</table>
<table class="steps"><tr><th>time (UTC)</th><th>step</th><th>evidence</th></tr>
{{#steps}}
{{#http}}
<tr><td class="mono">{{clock}}</td><td class="mono{{#inferred}} inferred{{/inferred}}"><a href="#detail" class="request-link" data-request="{{index}}">{{request}}</a> &rarr; {{status}}</td><td>{{service}} {{operation}}, {{milliseconds}} ms{{#sqlCount}}, {{.}} SQL statements{{/sqlCount}}{{#hops}}<br><span class="mono">hops: {{.}}</span>{{/hops}}{{#hasCalls}}<details><summary>calls it made</summary><ul class="mono">{{/hasCalls}}{{#calls}}<li class="indent-{{indent}}">{{clock}} <a href="#detail" class="request-link" data-request="{{index}}">{{request}}</a> &rarr; {{status}} ({{service}} {{operation}}{{qualifier}})</li>{{/calls}}{{#hasCalls}}</ul></details>{{/hasCalls}}</td></tr>
{{/http}}
{{#transition}}
<tr><td class="mono">{{clock}}</td><td class="status">{{status}}</td><td>{{#statement}}<span class="mono">{{.}}</span>{{/statement}}{{^statement}}{{evidence}}{{/statement}}{{#citation}}<br><span class="inferred">{{.}}</span>{{/citation}}</td></tr>
{{/transition}}
{{/steps}}
</table>
{{/images}}
</section>

<section id="network">
<h2>Network and anomalies</h2>
<p>TCP: {{tcp.connections}} connections, {{tcp.retransmitted}} retransmitted and {{tcp.outOfOrder}} out-of-order segments, {{tcp.gaps}} gaps ({{tcp.missing}} bytes missing){{#tcp.notCaptured}}, {{.}} bytes not captured (snap length){{/tcp.notCaptured}}.</p>
{{#tls}}
<p>TLS <span class="mono">{{client}}</span> &rarr; <span class="mono">{{server}}</span>: {{summary}}</p>
{{/tls}}
<ul class="anomalies">
{{#anomalies}}
<li class="bad"><span class="mono">{{clock}}</span> {{kind}}: {{message}}</li>
{{/anomalies}}
</ul>
</section>

<script type="application/json" id="glancetrace-view">{{{viewJSON}}}</script>
<script>{{> script}}</script>
</body></html>

"""#

    static let style = #"""
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1em;margin:.6em 0 .2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f4f4f4}
.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}.bad{color:#b00}.status{font-weight:bold;text-transform:uppercase}
ul.captures{margin:.2em 0;padding-left:1.2em;font-size:.9em}
.inferred{font-style:italic;color:#555}tr.sql-maybe td{color:#777;font-style:italic}.indent-1{margin-left:1em}.indent-2{margin-left:2em}.indent-3{margin-left:3em}
.toolbar{margin:.3em 0;display:flex;gap:.4em;align-items:center;font-size:.9em}
.toolbar button{font:inherit;padding:.1em .6em}
#sequence-box{border:1px solid #ccc;overflow:hidden;user-select:none;cursor:grab}
#sequence-box.dragging{cursor:grabbing}
#sequence{display:block;width:100%}
.legend{font-size:.8em;color:#444}
.key{display:inline-block;width:1.2em;height:.8em;margin:0 .3em 0 .8em;vertical-align:middle;border:1px solid #888}
.lane-bg{fill:#fafafa}.lane-bg.odd{fill:#f1f3f6}
.lane-label,.image-label{font-size:12px;fill:#222}
.lane-kind{font-size:10px;fill:#666}
.image-label{cursor:pointer;text-decoration:underline}
.axis line{stroke:#ccc}.axis text{font-size:10px;fill:#555}
.request-bar{stroke:#333;stroke-width:.5;cursor:pointer}
.request-bar.selected{stroke:#000;stroke-width:2.5}
.request-bar.anomalous{stroke:#c00;stroke-width:1.5}
.request-bar.inferred{fill-opacity:.35;stroke-dasharray:3 2}
.request-bar.leg{fill-opacity:.6}
.svc-keystone{fill:#8e6cc0;background:#8e6cc0}.svc-glance{fill:#3d7cc9;background:#3d7cc9}
.svc-swift{fill:#2a9d8f;background:#2a9d8f}.svc-other{fill:#999;background:#999}
.arrow{stroke:#555;stroke-width:1;fill:none}.arrow.response{stroke-dasharray:2 3;stroke:#999}
.arrow.proxy-hop{stroke:#d9822b;stroke-width:1.5}.arrow.inferred{stroke-dasharray:5 3}
.proxy-key{background:#d9822b}.inferred-key{background:repeating-linear-gradient(45deg,#3d7cc9 0 3px,#fff 3px 6px)}
.sql-mark{fill:#999}.sql-mark.sql-glance{fill:#3d7cc9}.sql-mark.sql-keystone{fill:#8e6cc0}.sql-mark.error{fill:#c00}
.sql-mark.highlight{fill:#000}.sql-density{fill:#777;fill-opacity:.55}.sql-key{background:#3d7cc9}
.anomaly-mark{fill:#c00;cursor:help}.anomaly-key{background:#c00}
.status-chip{display:inline-block;padding:.1em .6em;border-radius:.8em;color:#fff;background:#777;font-size:.85em}
.status-segment{stroke:#fff;stroke-width:1}.segment-label{font-size:10px;fill:#fff;pointer-events:none}
.status-queued{fill:#8a9bb0;background:#8a9bb0}.status-saving{fill:#e0a030;background:#e0a030}
.status-uploading{fill:#b08ad0;background:#b08ad0}.status-importing{fill:#9a6fc0;background:#9a6fc0}
.status-active{fill:#3a9a4a;background:#3a9a4a}.status-deactivated{fill:#555;background:#555}
.status-killed{fill:#b22;background:#b22}.status-deleted{fill:#c55;background:#c55}
.status-pending_delete{fill:#d88;background:#d88}
#detail{border:1px solid #bbb;padding:.2em 1em 1em;margin-top:1em;background:#fcfcfc}
#detail-facts{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;font-size:.9em}
#detail-facts dt{color:#555}#detail-facts dd{margin:0;font-family:ui-monospace,monospace}
.messages{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.messages pre{white-space:pre-wrap;word-break:break-all;max-height:24em;overflow:auto;background:#f6f6f6;padding:.5em;font-size:.8em;margin:0}
#detail-sql td.sql-text{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all;max-width:60em}
#detail-sql tr.error td{color:#b00}
"""#
}
