#!/bin/bash
# The user's documents cite only what the repository holds: no DESIGN.md
# (the blueprint lives outside it; CONTRIBUTING.md may say so), every
# `FILE.md`, "Heading" names a file and one of its headings, every
# `docs/NAME.md` exists, and every §N of docs/mux.md is one of its
# numbered sections.
#
# Environment (set by ctest): NPR_SOURCE_DIR, the top of the source tree.
set -euo pipefail

NAME=docs.refs
fail() { printf '%s: FAIL: %s\n' "$NAME" "$*" >&2; exit 1; }
[[ -n ${NPR_SOURCE_DIR:-} ]] || fail "NPR_SOURCE_DIR is not set (run this through ctest)"
cd "$NPR_SOURCE_DIR"
DOCS=(README.md bench/README.md docs/*.md docs/npiperouter.1 docs/npiperouter.conf.5 etc/*.conf)
((${#DOCS[@]} >= 8)) || fail "found only ${#DOCS[@]} documents: ${DOCS[*]}"
bad=()

if hits=$(grep -n 'DESIGN' "${DOCS[@]}"); then
	bad+=("a file that is not in the repository:"$'\n'"$hits")
fi

# heading FILE TEXT: TEXT is a Markdown heading of FILE (after a "N. "
# section number, before a parenthesis, if any).
heading() {
	grep -qE "^#+ ([0-9]+\. )?$(printf '%s' "$2" | sed 's/[][\.*^$()|?+{}]/\\&/g')( \(.*\))?\$" "$1"
}

n=0
for d in "${DOCS[@]}"; do
	[[ $d == *.md ]] || continue
	# Citations may wrap: read the file as one line.
	while IFS= read -r cite; do
		n=$((n + 1))
		f=${cite#\`}
		f=${f%%\`*}
		h=${cite#*\"}
		h=${h%\"}
		h=$(printf '%s' "$h" | tr -s ' ')
		if [[ ! -f $f ]]; then
			bad+=("$d cites $f, which is not in the repository")
		elif ! heading "$f" "$h"; then
			bad+=("$d cites \"$h\" in $f, which has no such heading")
		fi
	done < <(tr '\n' ' ' <"$d" | grep -oE '`[A-Za-z/]+\.md`,[[:space:]]+"[^"]+"' || true)
	while IFS= read -r f; do
		[[ -f $f ]] || bad+=("$d cites $f, which is not in the repository")
	done < <(grep -oE 'docs/[a-z]+\.md' "$d" | sort -u)
done
((n >= 3)) || bad+=("found only $n \`FILE.md\`, \"Heading\" citations: the pattern is stale")

while IFS= read -r s; do
	grep -qE "^## ${s#§}\. " docs/mux.md || bad+=("docs/mux.md cites $s, which it does not have")
done < <(grep -oE '§[0-9]+' docs/mux.md | sort -u)

((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
printf '%s: %d documents, %d heading citations, no DESIGN.md\n' "$NAME" "${#DOCS[@]}" "$n"
