package demo

import (
	"math/rand/v2"
	"strconv"
)

// The word lists below make the demo city's names. They are invented
// combinations on purpose: a demo full of real street names would look like
// real data about real people's homes, and screenshots of it would travel.
// Each list is a slice, never a map, so that a seed picks the same words in
// every run.

// streetFirst and streetSecond combine into street names: 安桥街道, 清浦街道.
var (
	streetFirst = []string{"安", "宁", "和", "平", "康", "乐", "清", "明", "兴", "华", "新", "长", "永", "丰",
		"瑞", "祥", "泰", "福", "嘉", "汇", "景", "文", "翠", "青", "紫", "金", "玉", "云", "星", "春",
		"凤", "鹤", "松", "柳", "梅", "桂", "德", "仁", "信", "崇"}
	streetSecond = []string{"桥", "塘", "湖", "溪", "山", "林", "岭", "浦", "港", "湾", "坊", "庄", "滨", "门",
		"亭", "园", "河", "埠", "墩", "堰", "圩", "泽"}
)

// communityFirst and communitySecond combine into community names: 杏晖社区, 荷塘社区.
var (
	communityFirst = []string{"杏", "桃", "柳", "荷", "竹", "枫", "梧", "兰", "桂", "松", "梅", "茶", "朝", "晨",
		"晓", "春", "夏", "秋", "锦", "绣", "和", "睦", "善", "友", "仁", "德", "怡", "乐"}
	communitySecond = []string{"花", "晖", "园", "苑", "坊", "林", "湾", "溪", "塘", "岸", "畔", "韵", "里", "巷",
		"桥", "庭", "荫", "光"}
)

// compoundPrefixes are the first half of a compound's name: 阳光花园, 翠湖苑一区.
var compoundPrefixes = []string{"阳光", "金色", "翠湖", "锦绣", "和平", "幸福", "春江", "碧水", "蓝湾", "名都",
	"丽景", "怡景", "紫荆", "丹桂", "香樟", "银杏", "枫丹", "桃源", "清溪", "文澜", "嘉和", "世纪", "新城",
	"东方", "星河", "天悦", "明月", "朝阳", "景秀", "盛世", "凤凰", "翡翠", "安居", "乐居", "康乐", "长乐",
	"永安", "宁安", "福星", "芙蓉", "海棠", "玉兰", "蔷薇", "梧桐", "青枫", "绿洲", "金都", "书香", "学府",
	"春晓", "秋水", "翠苑", "华侨", "工人", "红旗", "建设", "光明", "胜利", "振兴", "友谊", "湖畔", "江南",
	"溪岸", "云水", "紫薇", "南苑", "北园", "东园", "西园", "中和", "恒隆", "瑞丰", "嘉禾", "悦澜", "澜湾"}

// Compounds are named the way their era named them: 1980s–90s work-unit
// housing is a 新村 or a numbered 区, the 2000s built 花园 and 家园, and
// recent projects call themselves 府 or 公馆. The build year chooses the list.
var (
	suffixOld = []string{"新村", "小区", "苑", "公寓", "宿舍", "新苑"}
	suffixMid = []string{"花园", "家园", "佳苑", "雅苑", "嘉园", "新苑", "花苑", "名苑", "小区"}
	suffixNew = []string{"华庭", "府", "名邸", "公馆", "悦府", "御园", "湾", "雅居", "华府", "学府"}
)

// cnOrdinals number phases and parts of a compound: 一区, 二期.
var cnOrdinals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

var (
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"}
	givenNames = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "建华", "志强", "海燕", "晓东", "文博", "雨涵", "子轩", "思远", "嘉怡", "秀英", "国庆", "丽萍", "俊杰", "慧敏"}
)

// companyWords name the demo's property companies: 安澜锦程物业服务有限公司.
var companyWords = []string{"锦程", "安泰", "恒信", "嘉禾", "宏远", "德邻", "佳境", "润泽", "和顺", "万安"}

// passwordWords are the middle of the demo passwords: Anju-lotus-4821.
var passwordWords = []string{"lotus", "river", "maple", "cedar", "harbor", "willow", "bamboo", "orchid",
	"lantern", "bridge", "garden", "meadow", "pebble", "summit", "osprey", "jasmine", "canal", "pagoda",
	"tea", "plum", "heron", "crane", "lake", "cloud", "stone", "pine", "breeze", "dawn", "ginkgo", "kite"}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// namer hands out names that are unique within one namespace (the city's
// streets, its communities, its compounds). Small lists cannot stay unique
// at a large scale, so after a few random tries it numbers the name instead
// of looping: "安桥街道" is followed by "安桥二街道" — odd, but still unique
// and still readable.
type namer struct {
	used map[string]bool // membership only; never iterated
}

func newNamer() *namer { return &namer{used: map[string]bool{}} }

// pickUnique tries gen a few times for a name not yet used; if all are
// taken, it numbers the last one with decorate(base, n) for n = 2, 3, ….
func (n *namer) pickUnique(gen func() string, decorate func(base string, i int) string) string {
	var base string
	for range 8 {
		base = gen()
		if !n.used[base] {
			n.used[base] = true
			return base
		}
	}
	for i := 2; ; i++ {
		s := decorate(base, i)
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}

// ordinal is 二, 三 … 十 and then plain digits (11, 12 …).
func ordinal(i int) string {
	if i >= 1 && i <= len(cnOrdinals) {
		return cnOrdinals[i-1]
	}
	return strconv.Itoa(i)
}

// streetName: two syllables and 街道. Numbered as 安桥二街道 when exhausted.
func (n *namer) streetName(r *rand.Rand) string {
	return n.pickUnique(
		func() string { return pick(r, streetFirst) + pick(r, streetSecond) },
		func(b string, i int) string { return b + ordinal(i) }) + "街道"
}

// communityName: two syllables and 社区.
func (n *namer) communityName(r *rand.Rand) string {
	return n.pickUnique(
		func() string { return pick(r, communityFirst) + pick(r, communitySecond) },
		func(b string, i int) string { return b + ordinal(i) }) + "社区"
}

// compoundName: a prefix and an era-appropriate suffix; old estates often
// carry a part number (翠湖苑一区). Repeats become later phases (阳光花园二期),
// which is how real cities end up with several of one name.
func (n *namer) compoundName(r *rand.Rand, built int) string {
	gen := func() string {
		switch {
		case built < 2000:
			s := pick(r, compoundPrefixes) + pick(r, suffixOld)
			if r.IntN(3) == 0 {
				s += cnOrdinals[r.IntN(4)] + "区"
			}
			return s
		case built < 2010:
			return pick(r, compoundPrefixes) + pick(r, suffixMid)
		default:
			return pick(r, compoundPrefixes) + pick(r, suffixNew)
		}
	}
	return n.pickUnique(gen, func(b string, i int) string { return b + ordinal(i) + "期" })
}

// personName is a two- or three-character Chinese name.
func personName(r *rand.Rand) string { return pick(r, surnames) + pick(r, givenNames) }
