-- klp.report: the reports of a result, in one place (README, "Lua API",
-- Reports): text for people (klp.report.text), the version-1 JSON document
-- for pipelines (klp.report.json) and --why (klp.report.why), with the small
-- helpers other reports share.  Reports only render: everything they show
-- comes from klp.result.
local json = require "klp.report.json"
local result = require "klp.result"
local text = require "klp.report.text"
local why = require "klp.report.why"

local M = { FORMAT = json.FORMAT, CHANGE_KINDS = result.CHANGE_KINDS }

-- The reports: text(result, {colour, explain}), json(result, {explain}) and
-- json_chunks(result, opts) (the same document as a list of strings),
-- explain(result, orig_sym, patched_sym, rule, evidence) (one sentence),
-- why(result, names).
M.text, M.explain = text.text, text.explain
M.json, M.json_chunks = json.json, json.json_chunks
M.why = why.why

-- What other reports share: encode(value) (stable JSON), printable(s)
-- (control bytes as \ooo), styler(colour), change_line(row) and
-- change_lines(rows, st, indent) for result:change_rows().
M.encode = json.encode
M.printable, M.styler = text.printable, text.styler
M.change_line, M.change_lines = text.change_line, text.change_lines

--- The change lists as plain rows: result:change_rows().
function M.change_rows(res)
  return res:change_rows()
end

return M
