package petition

// Category is a petition category with its subcategories. Codes are stable
// (filters, exports, Open311 service codes); names are in the i18n files
// under petition.category.<code> and petition.subcategory.<code>.
type Category struct {
	Code string   `json:"code"`
	Subs []string `json:"subcategories"`
	// Department is the bureau department that usually handles it.
	Department string `json:"department"`
}

// Categories are the bureau's petition categories (the report's focus areas
// first: real-estate development and construction quality).
var Categories = []Category{
	{Code: "real_estate", Department: "housing", Subs: []string{"presale", "delivery_delay", "certificate", "contract", "agency", "rental"}},
	{Code: "construction_quality", Department: "construction", Subs: []string{"leak", "cracks", "structure", "acceptance", "warranty"}},
	{Code: "property_management", Department: "property", Subs: []string{"service", "fees", "maintenance_fund", "owners_committee", "common_areas"}},
	{Code: "housing_security", Department: "housing", Subs: []string{"public_rental", "subsidy", "shantytown", "eligibility"}},
	{Code: "demolition", Department: "housing", Subs: []string{"compensation", "resettlement", "procedure"}},
	{Code: "parking", Department: "parking", Subs: []string{"shortage", "fees", "charging", "occupation"}},
	{Code: "construction_market", Department: "construction", Subs: []string{"wage_arrears", "bidding", "qualification", "site_safety", "noise_dust"}},
	{Code: "other", Department: "petition", Subs: []string{"other"}},
}

// Kinds of petition (信访事项性质).
const (
	KindSuggestion = "suggestion" // 建议意见
	KindComplaint  = "complaint"  // 投诉举报 (may be anonymous)
	KindAppeal     = "appeal"     // 申诉求决 (real name required)
)

// Kinds in the order forms show them.
var Kinds = []string{KindSuggestion, KindComplaint, KindAppeal}

// Channels a petition arrives by.
const (
	ChannelWeb     = "web"     // the public form
	ChannelCall    = "call"    // a phone call taken by staff
	ChannelLetter  = "letter"  // a letter
	ChannelVisit   = "visit"   // a visit (走访)
	ChannelOpen311 = "open311" // an Open311 GeoReport client
	ChannelHotline = "hotline" // transferred from the 12345 hotline
)

// Channels in the order forms show them.
var Channels = []string{ChannelWeb, ChannelCall, ChannelLetter, ChannelVisit, ChannelOpen311, ChannelHotline}

// StaffChannels are those staff enter by hand.
var StaffChannels = []string{ChannelCall, ChannelLetter, ChannelVisit}

// Ratings a petitioner gives the reply.
const (
	RatingSatisfied   = "satisfied"
	RatingBasically   = "basically_satisfied"
	RatingUnsatisfied = "unsatisfied"
)

// Ratings in the order forms show them.
var Ratings = []string{RatingSatisfied, RatingBasically, RatingUnsatisfied}

// CategoryByCode returns the category with code.
func CategoryByCode(code string) (Category, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

func (c Category) hasSub(s string) bool {
	for _, x := range c.Subs {
		if x == s {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
