package property

import (
	"strings"

	"anju/internal/platform/auth"
)

// command is something a person does in the module. rule is the one place
// that says who may do it: role × scope × the object's state. Routes' gates
// keep people from pages they have no use for; stores call rule again before
// writing, so an API call and a form go through the same check.
type command string

const (
	cmdEditCompound     command = "compound.edit"    // registry record of a compound, committee members
	cmdCreateCompany    command = "company.create"   // filed with a unit in scope
	cmdEditCompany      command = "company.edit"     // companies filed in scope; also linking accounts
	cmdEditRegulation   command = "regulation.edit"  // documents issued by a unit in scope
	cmdEditChecklist    command = "checklist.edit"   // the city's checklist: city-wide staff
	cmdRecordFact       command = "fact.record"      // a credit fact about a company, placed in scope
	cmdVerifyFact       command = "fact.verify"      // another person than the recorder, in scope
	cmdEditRules        command = "rules.edit"       // draft rule sets: city-wide staff
	cmdPublishRules     command = "rules.publish"    // publish a draft: city-wide staff
	cmdRunScoring       command = "credit.run"       // score a period: city-wide staff
	cmdPublishRun       command = "credit.publish"   // publish a period's lists: city-wide staff
	cmdFileObjection    command = "objection.file"   // a company against a fact about itself
	cmdAnswerObjection  command = "objection.answer" // staff with the fact in scope
	cmdViewCompanyOwner command = "company.portal"   // a company account linked to a company
	cmdRunCampaign      command = "campaign.run"     // start an inspect–rectify campaign over a unit in scope
	cmdInspect          command = "campaign.inspect" // record an inspection result at a compound in scope
	cmdCouncil          command = "council.record"   // record a council meeting or bring a dispute to it, in scope
)

// target is what a command acts on, as far as the rule needs to know.
type target struct {
	Path       string // org_path of the object (or of the unit it will be placed at)
	State      string // "draft", "published", "open", "verified", "voided" …
	CreatedBy  int64  // who recorded it (facts: four eyes)
	CompanyID  int64  // the company the object concerns
	OwnCompany int64  // the company the principal acts for (company accounts)
}

var (
	errRole      = refuse("您的角色不能办理此事项", "your role may not do this")
	errScope     = refuse("该对象不在您的辖区内", "this lies outside your jurisdiction")
	errCityWide  = refuse("只有市级工作人员可以办理此事项", "only city-level staff may do this")
	errFourEyes  = refuse("事实由他人录入后，须由另一名工作人员核实", "a fact must be verified by someone other than the person who recorded it")
	errOwnOnly   = refuse("只能对本企业的事项提出异议", "a company may object only to items about itself")
	errNoCompany = refuse("您的账号尚未关联物业企业，请联系主管部门", "your account is not linked to a property company; ask the supervising department")
)

// rule tells whether p may do cmd to t; nil means yes.
func rule(p *auth.Principal, cmd command, t target) error {
	if p == nil {
		return errRole
	}
	staffIn := func(a auth.Action) error {
		if !auth.Can(p, a) {
			return errRole
		}
		if !p.InScope(t.Path) {
			return errScope
		}
		return nil
	}
	cityStaff := func() error {
		if !auth.Can(p, auth.ActEditRecords) {
			return errRole
		}
		if !cityWide(p) {
			return errCityWide
		}
		return nil
	}
	switch cmd {
	case cmdEditCompound, cmdCreateCompany, cmdEditCompany, cmdEditRegulation, cmdRecordFact, cmdRunCampaign, cmdCouncil:
		return staffIn(auth.ActEditRecords)
	case cmdInspect:
		return staffIn(auth.ActHandleCase)
	case cmdEditChecklist, cmdEditRules, cmdRunScoring, cmdPublishRun:
		return cityStaff()
	case cmdPublishRules:
		if err := cityStaff(); err != nil {
			return err
		}
		if t.State != stateDraft {
			return conflictf("规则集已发布，不能再次发布或修改", "the rule set is already published and cannot change")
		}
		return nil
	case cmdVerifyFact:
		if err := staffIn(auth.ActHandleCase); err != nil {
			return err
		}
		if t.CreatedBy != 0 && t.CreatedBy == p.UserID {
			return errFourEyes
		}
		if t.State != "recorded" {
			return conflictf("该事实已核实或已作废", "the fact is already verified or void")
		}
		return nil
	case cmdAnswerObjection:
		if err := staffIn(auth.ActHandleCase); err != nil {
			return err
		}
		if t.State != objOpen {
			return conflictf("该异议已答复", "the objection has already been answered")
		}
		return nil
	case cmdFileObjection:
		if p.Role != auth.Company || p.UserID == 0 {
			return errRole
		}
		if t.OwnCompany == 0 {
			return errNoCompany
		}
		if t.CompanyID != t.OwnCompany {
			return errOwnOnly
		}
		if t.State != "verified" {
			return conflictf("只能对已核实、未作废的事实提出异议", "objections are filed against verified facts that are not void")
		}
		return nil
	case cmdViewCompanyOwner:
		if p.Role != auth.Company || p.UserID == 0 {
			return errRole
		}
		if t.OwnCompany == 0 {
			return errNoCompany
		}
		return nil
	}
	return errRole
}

// cityWide tells whether p's scope is the whole city: the platform
// principal ("/") or an account at the root unit ("/1/").
func cityWide(p *auth.Principal) bool {
	return p != nil && p.OrgPath != "" && strings.Count(p.OrgPath, "/") <= 2
}
