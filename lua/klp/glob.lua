-- klp.glob: shell-style globs over relative paths, compiled to LPeg.
--
--   *      any run of characters except "/"
--   **     any run of characters, "/" included; "**/" also matches no directory
--   ?      one character except "/"
--   [abc] [a-z] [!abc] [^abc]   one character of (not of) the set
--   \x     the character x itself
--
-- A glob without "/" is matched against the file's name alone, at any depth
-- (`*.ko`); a glob with "/" against the whole relative path (`drivers/**/*.o`).
local lpeg = require "lpeg"
local P, R, S, V = lpeg.P, lpeg.R, lpeg.S, lpeg.V

local M = {}

local ANY_BUT_SLASH = P(1) - "/"

-- Parses "[...]" starting at i (just after "["); returns the set pattern and
-- the index after "]", or nil when the class is not closed.
local function class_at(glob, i)
  local negate = false
  local c = glob:sub(i, i)
  if c == "!" or c == "^" then negate, i = true, i + 1 end
  local set, first = P(false), true
  while i <= #glob do
    c = glob:sub(i, i)
    if c == "]" and not first then
      if negate then set = ANY_BUT_SLASH - set end
      return set, i + 1
    end
    if c == "\\" and i < #glob then i = i + 1; c = glob:sub(i, i) end
    local hi = glob:sub(i + 1, i + 1) == "-" and glob:sub(i + 2, i + 2)
    if hi and hi ~= "" and hi ~= "]" then
      set = set + R(c .. hi)
      i = i + 3
    else
      set = set + S(c)
      i = i + 1
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
      if c == "\\" and i < #glob then i = i + 1; c = glob:sub(i, i) end
      out[#out + 1] = { kind = "lit", p = P(c) }; i = i + 1
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
      acc = ANY_BUT_SLASH * rest
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

--- A filter from lists of include and exclude globs: a path passes when it
--- matches an include glob and no exclude glob.  Returns nil and a message
--- for a malformed glob.
function M.filter(includes, excludes)
  local inc, exc = {}, {}
  for _, pair in ipairs { { includes, inc }, { excludes, exc } } do
    for i, g in ipairs(pair[1]) do
      local f, err = M.compile(g)
      if not f then return nil, err end
      pair[2][i] = f
    end
  end
  return function(path)
    local ok = false
    for _, f in ipairs(inc) do
      if f(path) then ok = true; break end
    end
    if not ok then return false end
    for _, f in ipairs(exc) do
      if f(path) then return false end
    end
    return true
  end
end

return M
