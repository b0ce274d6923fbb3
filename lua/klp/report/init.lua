-- klp.report: the reports of a result, in one place (README, "Lua API",
-- Reports): text for people (klp.report.text), the version-1 JSON document
-- for pipelines (klp.report.json) and --why (klp.report.why), with the small
-- helpers other reports share.  Reports only render: everything they show
-- comes from klp.result.
local json = require "klp.report.json"
local result = require "klp.result"
local text = require "klp.report.text"
local why = require "klp.report.why"

return {
  FORMAT = json.FORMAT,
  CHANGE_KINDS = result.CHANGE_KINDS,

  --- text(result, {colour = b, explain = b}) -> the text report.
  text = text.text,
  --- json(result, {explain = b}) -> the version-1 JSON document.
  json = json.json,
  --- json_chunks(result, opts) -> the same document as a list of strings.
  json_chunks = json.json_chunks,
  --- explain(result, orig_sym, patched_sym, rule, evidence) -> one sentence.
  explain = text.explain,
  --- why(result, names) -> what every pass did with those names' symbols.
  why = why.why,

  --- encode(value) -> JSON with sorted keys, {} as [].
  encode = json.encode,
  --- printable(s) -> s with control bytes as \ooo.
  printable = text.printable,
  --- styler(colour) -> st(kind, s), ANSI or plain.
  styler = text.styler,
  --- change_line(row), change_lines(rows, st, indent): plain change rows as text.
  change_line = text.change_line,
  change_lines = text.change_lines,
  --- change_rows(result) -> result:change_rows().
  change_rows = function(res) return res:change_rows() end,
}
