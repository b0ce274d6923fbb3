-- klp.glob: shell-style globs over relative paths, compiled to LPeg.
--
--   *      any run of characters except "/"
--   **     any run of characters, "/" included; "**/" also matches no directory
--   ?      one character except "/" (a UTF-8 sequence counts as one)
--   [abc] [a-z] [!abc] [^abc]   one character of (not of) the set; never "/"
--   \x     the character x itself
--
-- A glob without "/" is matched against the file's name alone, at any depth
-- (`*.ko`); a glob with "/" against the whole relative path (`drivers/**/*.o`).
local lpeg = require "lpeg"
local P, R, S, V = lpeg.P, lpeg.R, lpeg.S, lpeg.V

local M = {}

local ANY_BUT_SLASH = P(1) - "/"
-- One character: a UTF-8 sequence, or any other single byte.
local ONE_CHAR = (R("\194\244") * R("\128\191") ^ 1 + P(1)) - "/"

-- The character (UTF-8 sequence, else one byte) of glob at i, and the index after it.
local function char_at(glob, i)
  local c = glob:match("^" .. utf8.charpattern, i) or glob:sub(i, i)
  return c, i + #c
end

-- Parses "[...]" starting at i (just after "["); returns the set pattern and
-- the index after "]", or nil when the class is not closed.
local function class_at(glob, i)
  local negate = false
  local c = glob:sub(i, i)
  if c == "!" or c == "^" then negate, i = true, i + 1 end
  local set, first = P(false), true
  while i <= #glob do
    local nxt
    c, nxt = char_at(glob, i)
    if c == "]" and not first then
      if negate then return ONE_CHAR - set, nxt end
      return set - "/", nxt
    end
    if c == "\\" and nxt <= #glob then c, nxt = char_at(glob, nxt) end
    local hi, after = nil, nil
    if glob:sub(nxt, nxt) == "-" then hi, after = char_at(glob, nxt + 1) end
    if hi and hi ~= "" and hi ~= "]" and #c == 1 and #hi == 1 then
      set = set + R(c .. hi)
      i = after
    else
      set = set + P(c)
      i = nxt
    end
    first = false
  end
  return nil
end

-- The glob as a list of tokens: {kind = "lit"|"one"|"set"|"star"|"dirs"|"all", p = pattern}.
local function tokens(glob)
  local out, i = {}, 1
  while i <= #glob do
    local c = glob:sub(i, i)
    if glob:sub(i, i + 2) == "**/" then
      out[#out + 1] = { kind = "dirs" }; i = i + 3
    elseif glob:sub(i, i + 1) == "**" then
      out[#out + 1] = { kind = "all" }; i = i + 2
    elseif c == "*" then
      out[#out + 1] = { kind = "star" }; i = i + 1
    elseif c == "?" then
      out[#out + 1] = { kind = "one" }; i = i + 1
    elseif c == "[" then
      local set, after = class_at(glob, i + 1)
      if not set then return nil, ("bad glob %q: [ without ]"):format(glob) end
      out[#out + 1] = { kind = "set", p = set }; i = after
    else
      if c == "\\" and i < #glob then i = i + 1 end
      local ch, nxt = char_at(glob, i)
      out[#out + 1] = { kind = "lit", p = P(ch) }; i = nxt
    end
  end
  return out
end

-- Folds the tokens from the end, so that every "*" tries the rest of the
-- glob at each position it could stop at (LPeg repetition never gives back).
local function compile(list)
  local acc = P(-1)
  for k = #list, 1, -1 do
    local t, rest = list[k], acc
    if t.kind == "lit" or t.kind == "set" then
      acc = t.p * rest
    elseif t.kind == "one" then
      acc = ONE_CHAR * rest
    elseif t.kind == "star" then
      acc = P { rest + ANY_BUT_SLASH * V(1) }
    elseif t.kind == "dirs" then
      acc = P { rest + ANY_BUT_SLASH ^ 0 * "/" * V(1) }
    else
      acc = P { rest + P(1) * V(1) }
    end
  end
  return acc
end

--- Compiles a glob; returns a function(relative_path) -> boolean, or nil and
--- a message when the glob is malformed.
function M.compile(glob)
  if type(glob) ~= "string" or glob == "" then return nil, "empty glob" end
  local list, err = tokens(glob)
  if not list then return nil, err end
  local pattern = compile(list)
  if glob:find("/", 1, true) then
    return function(path) return pattern:match(path) ~= nil end
  end
  return function(path) return pattern:match(path:match("[^/]*$")) ~= nil end
end

--- A filter from lists of include and exclude globs: keep(path) is true when
--- path matches an include glob and no exclude glob; prune(dir) is true when
--- an exclude glob `X/**` drops everything under dir (X matches dir), so the
--- directory need not be read at all.  Returns nil and a message for a
--- malformed glob.
function M.filter(includes, excludes)
  local inc, exc, whole = {}, {}, {}
  for _, pair in ipairs { { includes, inc }, { excludes, exc } } do
    for i, g in ipairs(pair[1]) do
      local f, err = M.compile(g)
      if not f then return nil, err end
      pair[2][i] = f
    end
  end
  for _, g in ipairs(excludes) do
    local dir = g:match("^(.+)/%*%*$")
    if dir then whole[#whole + 1] = assert(M.compile(dir)) end
  end
  local function any(list, path)
    for _, f in ipairs(list) do
      if f(path) then return true end
    end
    return false
  end
  return function(path) return any(inc, path) and not any(exc, path) end,
    function(dir) return any(whole, dir) end
end

return M
