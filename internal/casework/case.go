package casework

import (
	"io/fs"
	"time"

	"anju/internal/platform/auth"
)

// Case is one case as stored. Times are UTC; a zero time means "not yet".
type Case struct {
	ID           int64  `json:"id"`
	Type         string `json:"type"`
	Number       string `json:"number"`
	State        string `json:"state"`
	Version      int    `json:"version" doc:"send it back with every command (optimistic concurrency)"`
	OrgUnitID    int64  `json:"org_unit_id"`
	OrgPath      string `json:"org_path"`
	DepartmentID int64  `json:"department_id,omitempty"`
	AssigneeID   int64  `json:"assignee_id,omitempty"`

	PendingUnitID       int64     `json:"pending_unit_id,omitempty" doc:"a transfer waits for this unit to accept or object"`
	PendingPath         string    `json:"-"`
	PendingDepartmentID int64     `json:"pending_department_id,omitempty"`
	PendingDueAt        time.Time `json:"pending_due_at,omitzero"`

	Category    string `json:"category"`
	Subcategory string `json:"subcategory"`
	Kind        string `json:"kind"`
	Channel     string `json:"channel"`
	Title       string `json:"title"`
	Body        string `json:"body"`

	PartyUserID int64    `json:"party_user_id,omitempty"`
	PartyName   string   `json:"party_name"`
	PartyPhone  string   `json:"party_phone"`
	CheckCode   string   `json:"-"`
	Address     string   `json:"address"`
	Lat         *float64 `json:"lat,omitempty"`
	Lng         *float64 `json:"lng,omitempty"`
	CompoundID  int64    `json:"compound_id,omitempty"`
	ExternalRef string   `json:"external_ref,omitempty"`

	ReceivedAt    time.Time `json:"received_at"`
	ResponseDueAt time.Time `json:"response_due_at,omitzero" doc:"rapid-response target for the first contact"`
	RespondedAt   time.Time `json:"responded_at,omitzero"`
	StageDueAt    time.Time `json:"stage_due_at,omitzero"`
	FinalFrom     string    `json:"-"`
	FinalDays     int       `json:"-"`
	FinalDueAt    time.Time `json:"final_due_at,omitzero"`
	DueAt         time.Time `json:"due_at,omitzero" doc:"the earliest open deadline"`
	NotifiedLevel int       `json:"-"`
	AcceptedAt    time.Time `json:"accepted_at,omitzero"`
	RepliedAt     time.Time `json:"replied_at,omitzero"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	ClosedReason  string    `json:"closed_reason,omitempty"`
	Rating        string    `json:"rating,omitempty"`
	RatedAt       time.Time `json:"rated_at,omitzero"`
	Flags         Flags     `json:"-"`
	FlagList      []string  `json:"flags"`
	RelatedID     int64     `json:"related_id,omitempty"`

	TrackFailures    int       `json:"-"`
	TrackLockedUntil time.Time `json:"-"`

	Data      map[string]any `json:"data,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`

	// Filled by reads that join them: names for display.
	UnitName    string `json:"unit_name,omitempty"`
	PendingName string `json:"pending_unit_name,omitempty"`
}

// Open tells whether the case is not closed.
func (c *Case) Open() bool { return c.ClosedAt.IsZero() }

// Overdue tells whether an open deadline has passed at now.
func (c *Case) Overdue(now time.Time) bool {
	return c.Open() && !c.DueAt.IsZero() && now.After(c.DueAt)
}

// Masked returns a copy for lists, exports and other readers who do not
// handle the case: the phone shows as 138****1234.
func (c Case) Masked() Case {
	c.PartyPhone = auth.MaskMobile(c.PartyPhone)
	return c
}

// DataString reads a string from Data.
func (c *Case) DataString(key string) string {
	s, _ := c.Data[key].(string)
	return s
}

// DataInt reads a whole number from Data: a float64 once the case was read
// back from its JSON, the Go integer it was set as before that.
func (c *Case) DataInt(key string) int64 {
	switch n := c.Data[key].(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}

// SetData sets a value in Data.
func (c *Case) SetData(key string, v any) {
	if c.Data == nil {
		c.Data = map[string]any{}
	}
	c.Data[key] = v
}

// NewCase is what intake gives the engine.
type NewCase struct {
	Type         string
	OrgUnitID    int64 // the handling unit at receipt
	DepartmentID int64
	Category     string
	Subcategory  string
	Kind         string
	Channel      string
	Title        string
	Body         string
	PartyUserID  int64
	PartyName    string
	PartyPhone   string
	Anonymous    bool
	Address      string
	Lat, Lng     *float64
	CompoundID   int64
	ExternalRef  string
	// ReceivedAt defaults to now; staff entering a letter give the day it came.
	ReceivedAt time.Time
	Flags      Flags
	RelatedID  int64
	Data       map[string]any
	// EventText is the first timeline entry's text (shown to the party).
	EventText string
}

// Input is what a command carries besides its name and version. Which
// fields a transition needs is declared in its Required list.
type Input struct {
	Text         string `json:"text,omitempty" doc:"reply, note or decision text"`
	Reason       string `json:"reason,omitempty"`
	Days         int    `json:"days,omitempty" doc:"extension days"`
	UnitID       int64  `json:"unit_id,omitempty" doc:"target org unit of an assignment or transfer"`
	DepartmentID int64  `json:"department_id,omitempty"`
	AssigneeID   int64  `json:"assignee_id,omitempty"`
	Approver     string `json:"approver,omitempty" doc:"the head who approved an extension"`
	Rating       string `json:"rating,omitempty" doc:"satisfied, basically_satisfied or unsatisfied"`
	Method       string `json:"method,omitempty" doc:"how a rating was taken: online or phone"`
}

// Event is one entry of a case's timeline.
type Event struct {
	ID        int64          `json:"id"`
	CaseID    int64          `json:"case_id"`
	At        time.Time      `json:"at"`
	Kind      string         `json:"kind"`
	ActorID   int64          `json:"actor_id,omitempty"`
	ActorName string         `json:"actor_name"`
	ActorRole string         `json:"actor_role"`
	FromState string         `json:"from_state"`
	ToState   string         `json:"to_state"`
	Public    bool           `json:"public"`
	Text      string         `json:"text"`
	Data      map[string]any `json:"data,omitempty"`
}

// Attachment is a file of a case (the content is read separately).
type Attachment struct {
	ID          int64     `json:"id"`
	CaseID      int64     `json:"case_id"`
	EventID     int64     `json:"event_id,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Public      bool      `json:"public"`
	CreatedAt   time.Time `json:"created_at"`
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
