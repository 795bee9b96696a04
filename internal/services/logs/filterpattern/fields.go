package filterpattern

import (
	"fmt"
	"strings"
)

// fieldPattern is a space-delimited pattern such as
// [ip, user, ..., status = 4*, bytes > 1000]: the event is split into
// fields, the names are laid over them ("..." standing for any number of
// fields) and each field's conditions must hold.
type fieldPattern struct {
	fields []fieldSpec
}

// fieldSpec is one position of a space-delimited pattern.
type fieldSpec struct {
	name     string
	ellipsis bool
	// alternatives are OR'ed; the conditions of each are AND'ed.
	alternatives [][]comparison
}

// maxFields bounds the fields of a pattern and of an event considered.
const maxFields = 1000

func parseFieldPattern(s string) (*fieldPattern, error) {
	if !strings.HasSuffix(s, "]") {
		return nil, fmt.Errorf("space-delimited pattern must end with ']'")
	}
	toks, err := lex(s[1 : len(s)-1])
	if err != nil {
		return nil, err
	}
	fp := &fieldPattern{}
	if len(toks) == 0 {
		return fp, nil
	}
	i := 0
	for {
		if i >= len(toks) || toks[i].kind != tokWord {
			return nil, fmt.Errorf("expected a field name")
		}
		spec := fieldSpec{name: toks[i].text}
		i++
		if spec.name == "..." {
			spec.ellipsis = true
		} else if err := checkFieldName(spec.name); err != nil {
			return nil, err
		}
		if !spec.ellipsis && i < len(toks) && toks[i].kind == tokOp {
			i--
			alt := []comparison{}
			for {
				if i+2 >= len(toks) || toks[i].kind != tokWord || toks[i+1].kind != tokOp {
					return nil, fmt.Errorf("incomplete condition on field %s", spec.name)
				}
				if toks[i].text != spec.name {
					return nil, fmt.Errorf("condition on field %s names field %s", spec.name, toks[i].text)
				}
				v := toks[i+2]
				if v.kind != tokWord && v.kind != tokString && v.kind != tokRegex {
					return nil, fmt.Errorf("operator %s needs a value", toks[i+1].text)
				}
				c, err := newComparison(toks[i+1].text, v)
				if err != nil {
					return nil, err
				}
				alt = append(alt, c)
				i += 3
				if i < len(toks) && toks[i].kind == tokAnd {
					i++
					continue
				}
				spec.alternatives = append(spec.alternatives, alt)
				if i < len(toks) && toks[i].kind == tokOr {
					alt = []comparison{}
					i++
					continue
				}
				break
			}
		}
		fp.fields = append(fp.fields, spec)
		if len(fp.fields) > maxFields {
			return nil, fmt.Errorf("more than %d fields", maxFields)
		}
		if i == len(toks) {
			return fp, nil
		}
		if toks[i].kind != tokComma {
			return nil, fmt.Errorf("unexpected %q after field %s", toks[i].text, spec.name)
		}
		i++
	}
}

func checkFieldName(name string) error {
	for _, r := range name {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("invalid field name %q", name)
		}
	}
	return nil
}

func (f fieldSpec) accepts(value string) bool {
	if len(f.alternatives) == 0 {
		return true
	}
	for _, alt := range f.alternatives {
		ok := true
		for _, c := range alt {
			if !c.test(value, false) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// match lays the pattern's fields over the event's with memoised
// backtracking (linear in fields times pattern positions) and returns the
// named values of the first layout that satisfies every condition.
func (p *fieldPattern) match(message string) (map[string]string, bool) {
	values := splitFields(message)
	nf, nv := len(p.fields), len(values)
	// failed[i][j] records that pattern position i cannot match from value j.
	failed := make([][]bool, nf+1)
	for i := range failed {
		failed[i] = make([]bool, nv+1)
	}
	assign := make([]int, nf)
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		if i == nf {
			return j == nv
		}
		if failed[i][j] {
			return false
		}
		f := p.fields[i]
		if f.ellipsis {
			for k := j; k <= nv; k++ {
				if walk(i+1, k) {
					return true
				}
			}
		} else if j < nv && f.accepts(values[j]) {
			assign[i] = j
			if walk(i+1, j+1) {
				return true
			}
		}
		failed[i][j] = true
		return false
	}
	if !walk(0, 0) {
		return nil, false
	}
	out := map[string]string{}
	for i, f := range p.fields {
		if !f.ellipsis {
			out["$"+f.name] = values[assign[i]]
		}
	}
	return out, true
}

// splitFields splits an event into space-separated fields; text in double
// quotes or square brackets is one field, without its delimiters.
func splitFields(s string) []string {
	var out []string
	i := 0
	for i < len(s) && len(out) < maxFields {
		if isSpace(s[i]) {
			i++
			continue
		}
		var closer byte
		switch s[i] {
		case '"':
			closer = '"'
		case '[':
			closer = ']'
		}
		if closer != 0 {
			if end := strings.IndexByte(s[i+1:], closer); end >= 0 {
				out = append(out, s[i+1:i+1+end])
				i += end + 2
				continue
			}
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}
