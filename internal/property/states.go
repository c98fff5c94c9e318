package property

// States of rule sets and scoring runs.
const (
	stateDraft     = "draft"
	statePublished = "published"
)

// States of objections.
const (
	objOpen     = "open"
	objUpheld   = "upheld"
	objRejected = "rejected"
)

// States of credit facts as rule() sees them.
const (
	factRecorded = "recorded"
	factVerified = "verified"
	factVoided   = "voided"
)
