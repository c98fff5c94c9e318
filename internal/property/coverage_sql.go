package property

import "anju/internal/platform/workday"

// The three coverage definitions, as SQL over a compound's registry row (pc;
// where LEFT JOINed, a compound without a row has none of them). What they
// need of the serving company (is it active, has it a party organisation)
// is copied into the row (company_active, company_party), so the rates read
// one table. The ledger's "lacks …" filters, the compound page and the
// coverage rates all use these expressions, so the rates and the drill-down
// lists cannot disagree. Each takes the as-of date as its arguments.

// serviceSQL: a company serves the compound under a contract in force on the
// date (started, not ended, company not deregistered), or the owners manage
// it themselves (自管).
func serviceSQL(asOf workday.Date) (string, []any) {
	d := asOf.String()
	return `(pc.service_type = 'self' OR (pc.service_type = 'company' AND pc.company_active = 1
		AND (pc.contract_start IS NULL OR pc.contract_start <= ?) AND (pc.contract_end IS NULL OR pc.contract_end >= ?)))`,
		[]any{d, d}
}

// committeeSQL: an owners' committee is formed and its term has not ended.
func committeeSQL(asOf workday.Date) (string, []any) {
	return `(pc.committee_formed = 1 AND (pc.committee_term_end IS NULL OR pc.committee_term_end >= ?))`,
		[]any{asOf.String()}
}

// partySQL: a party organisation in the compound, or the company serving it
// under a contract in force has one (红色物业).
func partySQL(asOf workday.Date) (string, []any) {
	svc, args := serviceSQL(asOf)
	return `(pc.party_branch = 1 OR (pc.service_type = 'company' AND pc.company_party = 1 AND ` + svc + `))`, args
}

// flagSQL is expr as 0/1, NULL (no registry row) counting as 0.
func flagSQL(expr string) string { return `(CASE WHEN ` + expr + ` THEN 1 ELSE 0 END)` }

// Measures are the keys of the three rates.
const (
	measureService   = "service"
	measureCommittee = "committee"
	measureParty     = "party"
)

var measures = []string{measureService, measureCommittee, measureParty}

func measureSQL(m string, asOf workday.Date) (string, []any) {
	switch m {
	case measureService:
		return serviceSQL(asOf)
	case measureCommittee:
		return committeeSQL(asOf)
	default:
		return partySQL(asOf)
	}
}
