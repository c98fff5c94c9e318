package property

import (
	"context"
	"fmt"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// The demo's inspect–rectify campaign and council: a city-wide campaign of
// the third quarter whose findings went through every state of a
// rectification (rectifying, overdue, responded, verified, failed
// re-inspection and back, cancelled), with the overdue deductions and the
// verified outcomes fed to the credit facts before the quarter is scored;
// council meetings with resolutions and mediations settled at each level.

var demoNotes = []string{"公示栏未更新收费标准", "消防通道堆放杂物", "电梯年检标志过期", "绿化带缺株未补植", "监控设备故障未修复",
	"公共收益未按年公布", "维修资金使用未公示", "业委会会议记录缺失", "联席会议未按季度召开", "未指导筹建业委会"}

var demoAgendas = []string{"地面停车位划设与收费", "电梯加装意愿征集", "物业费调整方案", "垃圾分类投放点调整", "外墙渗水维修资金使用",
	"小区充电桩安装", "物业合同续签", "公共收益使用计划"}

var demoDisputes = []string{"楼上漏水纠纷", "噪音扰民", "占用公共楼道", "宠物扰民", "车位占用", "装修垃圾乱堆", "空调外机噪音"}

// campaigns runs the demo campaign. It needs a city staff account to act as
// the inspector; without one (a partial demo) it does nothing.
func (g *demoGen) campaigns(ctx context.Context) error {
	c := g.env.City
	var insp *auth.Principal
	for _, a := range g.env.Accounts {
		if a.Role == auth.CityStaff {
			insp = &auth.Principal{UserID: a.UserID, Name: a.DisplayName, Role: auth.CityStaff, OrgUnitID: c.Root.ID, OrgPath: c.Root.Path, IP: "demo"}
			break
		}
	}
	if insp == nil || len(g.companies_) == 0 {
		return nil
	}
	clock := demoNow
	s := *g.s
	s.Now = func() time.Time { return clock }
	eng := casework.New(s.DB, s.Calendar, web.Location)
	eng.Now = func() time.Time { return clock }
	if err := s.UseCases(eng); err != nil {
		return err
	}
	at := func(days int) { clock = demoNow.Add(-time.Duration(days) * 24 * time.Hour) }
	ictx := auth.WithPrincipal(ctx, insp)
	at(100)
	camp, err := s.CreateCampaign(ictx, CampaignInput{Name: "2026年第三季度住宅小区物业服务大排查大整治", PeriodStart: "2026-07-01",
		PeriodEnd: "2026-09-30", UnitID: c.Root.ID})
	if err != nil {
		return err
	}
	items, err := s.Checklist(ctx)
	if err != nil || len(items) == 0 {
		return err
	}
	// Company accounts act for their companies.
	accounts := map[int64]context.Context{}
	for _, a := range g.env.Accounts {
		if a.Role != auth.Company {
			continue
		}
		p := &auth.Principal{UserID: a.UserID, Name: a.DisplayName, Role: auth.Company, IP: "demo"}
		if own, err := s.companyOf(ctx, p); err == nil && own != 0 {
			accounts[own] = auth.WithPrincipal(ctx, p)
		}
	}
	// The compounds: those of the account companies first, then others.
	var compounds []int64
	seen := map[int64]bool{}
	for pass := range 2 {
		for _, co := range g.companies_ {
			if (accounts[co.id] != nil) != (pass == 0) {
				continue
			}
			for k, i := range co.served {
				if k >= 3 || len(compounds) >= 36 {
					break
				}
				if id := c.Compounds[i].ID; !seen[id] {
					seen[id] = true
					compounds = append(compounds, id)
				}
			}
		}
	}
	n := 0
	for ci, cid := range compounds {
		for k := range 3 {
			it := items[(ci*3+k+g.r.IntN(2))%len(items)]
			fail := g.r.IntN(10) < 4
			in := ResultInput{CompoundID: cid, ItemID: it.ID, Passed: !fail}
			if fail {
				in.Note = demoPick(g.r, demoNotes)
				if it.Area == "duty" {
					in.PartyName = "所在街道办事处"
				}
			}
			age := 60 - g.r.IntN(55) // found 5–60 days before the demo's day
			at(age)
			ins, err := s.RecordResult(ictx, camp.ID, in, nil)
			if err != nil {
				if isConflict(err) {
					continue
				}
				return fmt.Errorf("inspection: %w", err)
			}
			if ins.CaseID == 0 {
				continue
			}
			if err := g.moveRectification(&s, ictx, ins.CaseID, n%6, age, accounts, at); err != nil {
				return err
			}
			n++
		}
	}
	at(0)
	if _, err := s.SweepOverdue(ctx); err != nil {
		return err
	}
	g.env.Count("整改案件 rectification cases", n)
	return g.council(ictx, &s, at)
}

// moveRectification takes a new case to one of the states: 0 left
// rectifying (or overdue, by its age), 1 responded, 2 verified, 3 failed
// re-inspection and back to rectifying, 4 verified after a failed
// re-inspection, 5 cancelled.
func (g *demoGen) moveRectification(s *Service, ictx context.Context, id int64, kind, age int, accounts map[int64]context.Context,
	at func(int)) error {
	r, err := s.rectRow(ictx, s.DB, id)
	if err != nil {
		return err
	}
	party := ictx
	if a := accounts[r.CompanyID]; a != nil {
		party = a
	}
	version := 1
	act := func(ctx context.Context, daysAgo int, action string, in casework.Input) error {
		at(max(daysAgo, 0))
		rc, err := s.ActOnRectification(ctx, id, version, action, in)
		if err != nil {
			return fmt.Errorf("rectification %s: %w", action, err)
		}
		version = rc.Case.Version
		return nil
	}
	respond := casework.Input{Text: "已按要求完成整改，附整改前后照片"}
	switch kind {
	case 0:
		return nil
	case 1:
		return act(party, age-4, "respond", respond)
	case 2:
		if err := act(party, age-4, "respond", respond); err != nil {
			return err
		}
		return act(ictx, age-6, "verify", casework.Input{Text: "现场复查整改到位"})
	case 3, 4:
		if err := act(party, age-3, "respond", respond); err != nil {
			return err
		}
		if err := act(ictx, age-5, "reinspect_fail", casework.Input{Reason: "复查发现整改不彻底"}); err != nil {
			return err
		}
		if kind == 3 {
			return nil
		}
		if err := act(party, age-8, "respond", casework.Input{Text: "已彻底整改"}); err != nil {
			return err
		}
		return act(ictx, age-10, "verify", casework.Input{Text: "复查合格"})
	case 5:
		return act(ictx, age-2, "cancel", casework.Input{Reason: "经核实系误报，撤销"})
	}
	return nil
}

// council: meetings of the first compounds of the first district with
// resolutions, and disputes mediated at each level.
func (g *demoGen) council(ictx context.Context, s *Service, at func(int)) error {
	c := g.env.City
	var compounds []int64
	for _, cp := range c.Compounds {
		if len(c.Districts) > 0 && len(cp.Path) > len(c.Districts[0].Path) && cp.Path[:len(c.Districts[0].Path)] == c.Districts[0].Path {
			compounds = append(compounds, cp.ID)
		}
		if len(compounds) == 12 {
			break
		}
	}
	meetings := 0
	for i, cid := range compounds {
		at(80 - i*5)
		held := cityDate(demoNow.Add(-time.Duration(80-i*5) * 24 * time.Hour))
		m, err := s.RecordMeeting(ictx, MeetingInput{CompoundID: cid, HeldOn: held.String(), Agenda: demoPick(g.r, demoAgendas),
			Attendance: Attendance{Party: true, Residents: true, Committee: g.r.IntN(4) > 0, Company: g.r.IntN(5) > 0},
			Minutes:    "社区党组织书记主持，各方就议题充分协商，形成决议如下。",
			Resolutions: []ResolutionInput{{Text: "物业企业拟定实施方案并公示", Owner: "物业企业", DueOn: held.AddDays(15).String()},
				{Text: "业委会征求业主意见", Owner: "业主委员会", DueOn: held.AddDays(30).String()}}})
		if err != nil {
			return fmt.Errorf("meeting: %w", err)
		}
		meetings++
		// Each meeting takes up a few disputes.
		for k := range 3 {
			d, err := s.BringDispute(ictx, DisputeInput{CompoundID: cid, Title: demoPick(g.r, demoDisputes),
				Body: "居民反映后提交四位一体联席会议调解", PartyName: demoName(g.r), MeetingID: m.ID})
			if err != nil {
				return fmt.Errorf("dispute: %w", err)
			}
			action, in := "", casework.Input{Text: "经调解双方达成一致"}
			switch x := (i*3 + k) % 20; {
			case x < 9:
				action = "settle_building"
			case x < 15:
				action = "settle_community"
			case x < 17:
				action = "settle_street"
			case x < 18:
				action = "settle_above"
			case x < 19:
				action, in = "close_unsettled", casework.Input{Reason: "当事人不接受调解，引导通过诉讼解决"}
			}
			if action == "" {
				continue // still in mediation
			}
			if _, err := s.ActOnMediation(ictx, d.ID, d.Version, action, in); err != nil {
				return fmt.Errorf("mediation: %w", err)
			}
		}
	}
	g.env.Count("联席会议 council meetings", meetings)
	return nil
}
