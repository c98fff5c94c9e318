package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Fixtures of the case engine and petitions: one object of each resource
// inside district B.
func init() {
	fixtures["case"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(petitionInB(t, tc).ID) }
	fixtures["case_attachment"] = func(t *testing.T, tc *testCity) string {
		c := petitionInB(t, tc)
		a, err := caseEngine(tc.App).Attach(sys(), c.ID, "photo.png", tinyPNG, false)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(a.ID)
	}
	fixtures["case_notification"] = func(t *testing.T, tc *testCity) string {
		c := petitionInB(t, tc)
		var id int64
		err := tc.App.DB.Tx(sys(), func(tx *db.Tx) error {
			return tx.QueryRow(sys(), `INSERT INTO case_notifications (case_id, kind, audience, recipient_unit_id, org_path, text,
				created_at, out_state, out_attempts, out_error) VALUES (?, 'overdue', 'staff', ?, ?, 'fixture', ?, 'none', 0, '')
				RETURNING id`, c.ID, tc.B.ID, tc.B.Path, time.Now().UTC()).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(id)
	}
	fixtures["saved_filter"] = func(t *testing.T, tc *testCity) string {
		u := tc.user(t, "staff_b_filter", auth.DistrictStaff, tc.B)
		ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: u.ID, Role: auth.DistrictStaff,
			OrgUnitID: tc.B.ID, OrgPath: tc.B.Path})
		sf, err := caseEngine(tc.App).SaveFilter(ctx, petition.TypeName, "B", casework.Filter{Due: "overdue"})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(sf.ID)
	}
	fixtures["petition_reception"] = func(t *testing.T, tc *testCity) string {
		var id int64
		err := tc.App.DB.Tx(sys(), func(tx *db.Tx) error {
			return tx.QueryRow(sys(), `INSERT INTO petition_receptions (kind, held_on, leader_name, place, org_unit_id, org_path,
				notes, created_at) VALUES ('visit', '2026-03-02', '乙区领导', '乙街道', ?, ?, '', ?) RETURNING id`,
				tc.StreetB.ID, tc.StreetB.Path, time.Now().UTC()).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(id)
	}
}

// petitionInB files a petition handled by district B's street.
func petitionInB(t *testing.T, tc *testCity) casework.Case {
	t.Helper()
	c, err := caseEngine(tc.App).Create(sys(), casework.NewCase{Type: petition.TypeName, OrgUnitID: tc.StreetB.ID,
		Kind: petition.KindComplaint, Category: "property_management", Channel: petition.ChannelCall,
		Title: "乙区的信访", Body: "内容", PartyName: "赵六", PartyPhone: "13700000000"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tinyPNG is a 1×1 PNG.
var tinyPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00,
	0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}
