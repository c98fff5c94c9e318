package account

import (
	"context"
	"crypto/rand"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// unitOption is one entry of the scope select.
type unitOption struct {
	ID    int64
	Label string // indented by depth: "黄浦区", "　南京东路街道"
}

// selectKinds are the levels offered in scope selects. Communities and
// compounds number in the thousands, so they are picked by code instead.
var selectKinds = []org.Kind{org.City, org.District, org.Zone, org.Street}

// unitOptions lists the units of p's scope down to street level, each under
// its parent (sorting by path puts every unit right after its parent).
func (h *Handler) unitOptions(ctx context.Context, p *auth.Principal) ([]unitOption, error) {
	var units []org.Unit
	for _, k := range selectKinds {
		us, _, err := h.Org.List(ctx, p, org.Filter{Kind: k, Limit: org.MaxListLimit})
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Path < units[j].Path })
	minDepth := 0
	if len(units) > 0 {
		minDepth = units[0].Depth
		for _, u := range units {
			minDepth = min(minDepth, u.Depth)
		}
	}
	out := make([]unitOption, len(units))
	for i, u := range units {
		out[i] = unitOption{ID: u.ID, Label: strings.Repeat("　", u.Depth-minDepth) + u.Name + "（" + u.Code + "）"}
	}
	return out, nil
}

// resolveUnit reads the scope a form picked: a unit code typed in wins over
// the select. ok is false when the code names no unit in p's scope; the
// two cases look alike so the form cannot probe other districts.
func (h *Handler) resolveUnit(ctx context.Context, p *auth.Principal, code, selected string) (id int64, ok bool, err error) {
	if code = strings.TrimSpace(code); code != "" {
		u, err := h.Org.ByCode(ctx, p, code)
		if web.IsNotFound(err) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		return u.ID, true, nil
	}
	id, _ = strconv.ParseInt(selected, 10, 64)
	return max(id, 0), true, nil
}

// unitNames looks up the names of the units ids (as p may see them), for
// lists: one query per distinct unit on the page.
func (h *Handler) unitNames(ctx context.Context, p *auth.Principal, ids []int64) map[int64]string {
	out := map[int64]string{}
	for _, id := range ids {
		if id == 0 {
			continue
		}
		if _, done := out[id]; done {
			continue
		}
		u, err := h.Org.Get(ctx, p, id)
		if err != nil {
			out[id] = "#" + strconv.FormatInt(id, 10)
			continue
		}
		out[id] = u.Name
	}
	return out
}

// department options for selects.
type deptOption struct {
	ID   int64
	Name string
}

func (h *Handler) deptOptions(ctx context.Context, l web.Lang) ([]deptOption, error) {
	ds, err := h.Org.Departments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]deptOption, len(ds))
	for i, d := range ds {
		name := d.Name
		if l == web.EN && d.NameEn != "" {
			name = d.NameEn
		}
		out[i] = deptOption{ID: d.ID, Name: name}
	}
	return out, nil
}

// Characters of generated passwords: no 0/O, 1/l/I, which are misread when
// a temporary password is read out over the phone or copied from paper.
const (
	pwLower  = "abcdefghijkmnpqrstuvwxyz"
	pwUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwDigit  = "23456789"
	pwSymbol = "-_#@%+="
)

// temporaryPasswordFor generates a password an administrator hands out: at
// least 12 characters (more if the policy asks), with all four classes, so
// it passes any policy the security administrator may set.
func temporaryPasswordFor(pol auth.PasswordPolicy) string {
	n := max(pol.MinLength, 12)
	n = min(n, auth.MaxPasswordLength)
	all := pwLower + pwUpper + pwDigit + pwSymbol
	b := []byte{pick(pwLower), pick(pwUpper), pick(pwDigit), pick(pwSymbol)}
	for len(b) < n {
		b = append(b, pick(all))
	}
	// Shuffle so the classes are not always in the first four places.
	for i := len(b) - 1; i > 0; i-- {
		j := randInt(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func pick(set string) byte { return set[randInt(len(set))] }

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return int(v.Int64())
}
