package casework

// Internals for the tests of package casework_test.

var (
	CaseGrams    = caseGrams
	KeywordGrams = keywordGrams
	FTSGrams     = ftsGrams
	GramBreaks   = gramBreaks
)

// WithoutKeywordIndex makes keywords read every case (the LIKE alone)
// until the returned function is called.
func WithoutKeywordIndex() (restore func()) {
	noKeywordIndex = true
	return func() { noKeywordIndex = false }
}

// SetKeywordCountLimit lowers the cap of a keyword's count until the
// returned function is called.
func SetKeywordCountLimit(n int) (restore func()) {
	keywordCountLimit = n
	return func() { keywordCountLimit = KeywordCountLimit }
}
