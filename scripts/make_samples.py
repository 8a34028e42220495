"""Write the synthetic sample exports in samples/ (seeded: same files every run).

The feedback is composed from hand-written fragments for this project, per
pain point and in many voices, so that textmine's analysis has something
realistic to find. Planted signals (see samples/README.md):

1. segment short boards: 地区类型=农村 complains about coverage far more than
   others; 年龄段=60以上 about business handling and customer service;
2. a rising issue: billing complaints rise sharply in 2026-11;
3. drivers: customer_service and stability complaints come with the lowest scores.

    $ python scripts/make_samples.py            # writes samples/*
    $ python scripts/make_samples.py --out /tmp/s
"""

import argparse
import csv
import datetime as dt
import random
import re
from pathlib import Path

SEED = 20261122
FIRST_DAY = dt.date(2026, 6, 1)
LAST_DAY = dt.date(2026, 11, 22)


def frags(text):
    """Fragments one a line or '|'-separated; blanks ignored."""
    return [part.strip() for line in text.strip().splitlines() for part in line.split("|") if part.strip()]


# Slots: {name} in a fragment is replaced by one of these, so one fragment reads many ways.
# Each slot stays within one pain point's vocabulary (电梯, 房间里, 上门, 打电话 are keywords
# of other categories), so filling a slot does not add a category the row was not meant to have.
SLOTS = {
    "home": frags("家里|卧室|客厅|房间里|书房|出租屋|宿舍|店里|办公室|公司"),
    "spot": frags("电梯里|地下车库|地下室|楼道里|商场负一楼|地铁里|地下停车场|工厂车间|仓库里"),
    "village": frags("我们村|村里|老家|镇上|山里|乡下|我家那个自然村|村尾那几户|山脚下我家|我们那个乡镇"),
    "field": frags("果园里|鱼塘边|茶山上|田里|菜地里|山上放牛的时候|工地上|橘子林里"),
    "yard": frags("院子里|村口|楼顶|马路边|二楼阳台|屋后的坡上|晒谷场"),
    "bars": frags("一格|一两格|半格|一格都没有|时有时无的一格|两格"),
    "dur": frags("3天|两天|1个星期|一个多星期|半个月|快1个月|2个多月|好几个月|大半年|1年多|整整5天|10天"),
    "times": frags("2次|3次|好几次|3、4次|5、6次|7、8次|10几次|N次"),
    "when": frags("晚上|晚上八九点|每天早上|中午|周末|下雨天|半夜|下班以后|节假日|每天傍晚|刮风的时候"),
    "app": frags("抖音|快手|B站|爱奇艺|腾讯视频|小红书|优酷|微博"),
    "game": frags("王者荣耀|和平精英|原神|英雄联盟|第五人格|蛋仔派对"),
    "work": frags("腾讯会议|钉钉|网课|视频会议|云课堂|线上课"),
    "device": frags("华为手机|苹果手机|小米手机|OPPO|vivo|荣耀手机|新买的手机|iPhone|Mate60|红米"),
    "money": frags("十块|八块钱|二十多块|三十块|五十多块|一百多|两百多|15元|29元|38元|9.9元|6块|12块|四十八块"),
    "mbps": frags("十几兆|二三十兆|五十兆左右|不到一百兆|几兆|1兆都不到|三四十兆|七八十兆"),
    "speedplan": frags("千兆|五百兆|三百兆|两百兆|百兆"),
    "person": frags("我妈|我爸|老婆|孩子|家里老人|同事|朋友|邻居|老公|女儿|儿子|我奶奶"),
    "years": frags("10几年|20年|8年|5、6年|10年|快20年|3年多|7、8年"),
    "month": frags("上个月|十月份|国庆以后|这个月|上周|前几天|月初|最近两周"),
    "vas": frags("视频彩铃|咪咕视频会员|权益包|游戏包|云盘会员|来电秀|阅读会员|音乐包"),
    "pkg": frags("128的套餐|58元套餐|199的5G套餐|宽带融合套餐|大王卡|老年卡|全家福套餐|99元档"),
    "shop": frags("营业厅|县城的营业厅|镇上的营业厅|步行街那家营业厅|市区营业厅|家门口的营业厅"),
    "queue": frags("一个多小时|两个小时|四十分钟|大半个上午|一下午|快三个小时"),
    "rival": frags("联通|电信|广电|别家"),
}
_SLOT = re.compile(r"\{(\w+)\}")


def fill(rng, fragment):
    """Replace every {slot} of a fragment with a random value of that slot."""
    return _SLOT.sub(lambda match: rng.choice(SLOTS[match[1]]), fragment)


# Main clause of a complaint, per pain point.
NEG = {
    "coverage": frags("""
        {home}信号太差了，进屋就只有{bars}
        {village}信号时有时无，打个电话要跑到{yard}
        {village}经常显示无服务，{person}想找我都找不到
        {village}基本没信号，基站离得太远
        {spot}一点信号都没有
        {spot}没信号，扫码付款都付不了
        {village}信号弱，跟{person}视频都看不清人
        出了城区就没有4G信号了，{village}更别说
        {village}的5G信号想都别想，4G也就{bars}
        {home}信号极差，要站到窗边才能用手机
        在{home}收不到信号，跟没开机一样
        在{field}干活根本没有信号
        信号塔离{village}太远，手机信号一直是{bars}
        {village}信号盲区很多，走几步就没信号
        住在城中村，{home}信号很弱
        {village}覆盖不到，基站太少了
        信号差！信号差！信号差！重要的事说三遍
        村口有信号，回到{home}就没了
        {village}信号不好，{person}在家连短信都收不到
        信號太差了，屋企基本收唔到
        农村信号跟城里没法比，{village}就{bars}
        搬到新小区以后{home}信号很差
        在{spot}上班，整天没信号
        信号格经常是空的，搜不到网
        一进{spot}就显示无服务
        {home}要找个角落才有信号
        {village}一到{when}信号就没了
        {device}在{home}也搜不到信号
        {village}这{dur}一直没信号，是不是基站坏了
        {village}只有2G信号，手机跟砖头一样
        家在{village}，信号覆盖太差
        {home}的信号一会有一会没有
    """),
    "stability": frags("""
        宽带经常断网，一天断{times}
        网络不稳定，打排位老是掉线
        宽带三天两头断，每次都要重启光猫
        {when}上网时断时续，根本没法用
        WiFi动不动就断，孩子上{work}都受影响
        网络经常突然没网，过一会又好了
        宽带老断，{dur}了还是掉线
        手机上网经常断流，有信号但是上不去网
        开{work}的时候断网，被领导骂了
        网络时好时坏，很不稳定
        宽带隔三差五断一次，烦死了
        {month}断网了整整{dur}，一直连不上
        每天{when}就开始掉线
        直播的时候断线{times}，掉了好多粉丝
        宽带连接不上，重启路由器也没用
        网络故障好几次了，也没个通知
        大面积断网也不发个短信说一下
        4G经常自动断开，要开关飞行模式才能恢复
        网断了又连，连了又断
        宽带不稳，一下雨就断
        用着用着就没网了，重连{times}
        斷網好幾次了，真係好煩
        网络不稳定，丢包严重
        家里网络老是断断续续的
        {when}网络波动很大，隔几分钟断一下
        宽带天天断，这{dur}就没正常过
        手机数据老掉线，{app}看一半就没网了
        一到{when}宽带就罢工
    """),
    "speed": frags("""
        网速太慢了，看个视频一直转圈
        {when}网速特别慢，刷{app}都卡
        5G跟4G差不多，网速没感觉快
        流量用完就被限速，慢得像2G
        {speedplan}宽带测速才{mbps}
        玩{game}延迟太高，一直460
        网页打不开，加载半天
        高峰期网速慢得要命
        下载速度太慢了，一个文件下一晚上
        网速不达标，办的{speedplan}实际就{mbps}
        网速龟速，跟蜗牛一样
        卡顿严重，看直播一卡一卡的
        网络很卡，微信图片都发不出去
        达量限速太狠了，限完基本用不了
        网速时快时慢，{when}基本刷不出来
        手机上网很慢，{app}缓冲半天
        网速拉胯，5G套餐白办了
        看个高清就卡死
        網速好慢，成日轉圈
        家里几个人一起用网就卡
        宽带速率达不到宣传的，测速只有{mbps}
        上网速度慢，打开个淘宝都要等
        {device}用5G网速也很慢
        {when}刷{app}卡得要命
        开{work}画面一卡一卡的
        {speedplan}的宽带跑不满，只有{mbps}
        网速慢死了，发个语音都要转半天
    """),
    "call_quality": frags("""
        打电话有杂音，听不清对方说话
        通话经常断，说着说着就没声了
        对方听不到我说话，要重拨{times}
        电话经常打不出去，显示呼叫失败
        {person}说打我电话显示关机，其实我开着机
        通话有回音，很影响沟通
        打电话声音断断续续的
        经常接不到电话，漏接好多来电
        通话质量差，有电流声
        打着打着电话就自动挂断了
        开了VoLTE反而通话更差
        {person}打电话给我总是打不进来
        电话打不通，{person}说我是空号
        接电话对方声音很小，开到最大也听不清
        {device}打电话老是单通，只能听到一边
        跟{person}打电话一直滋滋响
        通话中经常突然没声音
    """),
    "pricing": frags("""
        套餐太贵了，一个月一百多
        资费太高，性价比太低
        老用户不如新用户，新用户优惠那么多
        用了{years}的老客户，一点优惠都没有
        套餐不灵活，流量不够用，通话分钟又用不完
        流量不够用，每个月都要加流量包
        月租太高，{pkg}根本用不完
        想降套餐还要违约金，合约期太长
        融合套餐价格贵，{rival}便宜多了
        老人套餐太少，{person}一个月就打几个电话也要三十多
        资费不透明，搞不清楚到底多少钱
        合约到期了还不让降档
        价格比{rival}贵，考虑转走了
        5G套餐太贵，用不起
        学生套餐太少，学生负担不起
        低消太高，用不完也要交
        套餐内容太复杂，一堆定向流量没用
        涨价了也不通知一声
        資費太貴了
        同样的价格{rival}给的流量多一倍
        {pkg}每月{money}，太贵了
        新用户办同样的套餐便宜一半，对老用户不公平
        宽带续费比新装还贵
    """),
    "billing": frags("""
        莫名其妙扣费，也不知道扣的什么钱
        这个月话费多扣了{money}
        乱扣费！我没开什么业务每个月都扣我{money}
        账单里多出来一笔费用，查不明白
        话费扣得不对，跟账单对不上
        余额不足也不提醒，直接欠费停机了
        流量超了一点就扣了{money}，扣费提醒都没收到
        每个月都被乱扣费，要求退费
        充值的话费没到账，钱倒是扣了，{dur}了
        扣费不明不白，详单也查不到
        退费说好三个工作日，现在{dur}了还没退回来
        套餐外扣费太离谱了
        话费异常，这个月突然扣了{money}
        不明扣费好几次了，问谁都说不清
        停机了才发现余额被扣光了
        我没出过省为什么扣漫游费
        自动续费扣钱也不通知
        账户里的钱莫名其妙少了{money}
        一个月扣了我两次月租费
        扣錢扣得莫名其妙
        宽带费已经交了还显示欠费，被停机了
        每个月都多扣几块钱，积少成多
        话费账单看不懂，明细乱七八糟
        被扣了一笔流量费，我明明连着WiFi
        {month}被扣了{money}，详单里也看不出是什么
        {month}的账单比平时多了{money}
        交了钱还是被停机，话费明明够
        扣费短信说扣了{money}，我根本没用
    """),
    "customer_service": frags("""
        10086打不通，转人工等了半天
        客服态度差，说两句就不耐烦
        人工客服太难打了，一直是机器人
        投诉了{times}都没人处理
        客服互相推诿，踢皮球
        客服一问三不知，答非所问
        打客服热线转来转去，最后还是没解决
        投诉无门，只能打工信部投诉了
        说好的回电一直没下文
        智能客服根本听不懂人话
        客服挂我电话，态度恶劣
        反映了{times}，都是记录反馈然后没下文
        语音导航太复杂，按键按半天找不到人工
        客服只会说抱歉，问题一点没解决
        打了{times}客服电话，每次都要重新说一遍
        回访的时候说已经解决了，其实根本没处理
        在线客服回复慢，等半天一句话
        客服敷衍了事，给个说法都没有
        找客服问扣费的事，推来推去
        客服没有耐心，我还没说完就打断
        客服態度差，講嘢好唔耐煩
        人工客服排队等待二十分钟
        工单提交了{dur}没人跟进
        打10086要等{queue}才有人接
        客服说{dur}内回复，到现在都没消息
        客服让我等通知，等了{dur}没人理
        热线打了{times}，每次都说帮我登记
    """),
    "repair_install": frags("""
        报修{dur}了师傅还没上门
        装宽带约好的时间师傅迟到两个小时
        光猫坏了换了两次还是不行
        维修师傅来了看一眼就走了
        宽带安装太慢，等了{dur}才装好
        机顶盒经常出故障，IPTV看不了
        师傅布线乱七八糟，墙上打了好多洞
        装机还要收材料费，之前没说
        预约了上门维修，结果没人来
        光猫一直亮红灯，报障{times}
        移机要等{dur}
        师傅修完没两天又坏了
        网络电视老是出问题，师傅也修不好
        路由器坏了要自己出钱换
        装维人员爽约{times}
        新装宽带拖了{dur}还没装好
        师傅说线路老化，要自己买网线
        光猫指示灯闪红灯，师傅{dur}都不来
    """),
    "business_handling": frags("""
        营业厅排队太久，等了{queue}
        营业员业务不熟，问什么都要去问别人
        销户太麻烦了，必须本人去营业厅
        携号转网各种刁难，不给办
        补卡要跑好几趟，手续繁琐
        {shop}窗口就开一个，排队的人很多
        过户手续太复杂，跑了三趟还没办成
        营业员不懂业务，办错了套餐
        网上营业厅操作太复杂，找不到在哪办
        APP太难用了，想改个业务找半天
        {shop}工作人员爱理不理
        取消业务只能去营业厅办，线上办不了
        办个副卡要带一堆证件
        营业时间太短，上班族根本没时间去办理
        实名认证反复失败，办不了
        在{shop}排了{queue}的队
        {shop}的营业员说这个办不了，让我去市里
        补个卡要等{queue}，叫号系统还坏了
    """),
    "marketing": frags("""
        营销电话太多了，一天打好几个
        没经过我同意就给我开通了{vas}
        推销短信天天发，退订了也没用
        营业员说送话费，结果根本没兑现
        宣传的不限量其实是限速的，虚假宣传
        被强制捆绑宽带，不办不给优惠
        当时说好的优惠，现在不承认了
        私自开通{vas}还收费
        天天打电话推销5G套餐，烦死了
        升级套餐的时候没告知有合约期
        营业员忽悠我办了个{vas}，每月扣钱
        莫名其妙开通了{vas}
        {month}又被推销升级套餐，说了不要还一直打
        说好的赠送流量一直没给
    """),
    "privacy_security": frags("""
        骚扰电话太多，信息是不是泄露了
        刚办完宽带就有装修公司打电话，个人信息被卖了吧
        每天都收到诈骗短信，希望加强拦截
        陌生电话太多了，一天接好几个贷款电话
        我的身份证被人冒用办了卡
        垃圾短信太多，也不拦截
        中介怎么知道我的号码的？信息泄露太严重
        骗子冒充客服打电话，差点被骗
        {person}接到诈骗电话，对方连套餐都说得出来
        一天好几个境外来电，是不是我的信息被卖了
    """),
}

# A second clause about the same pain point (what it costs the customer, how long).
DETAIL = {
    "coverage": frags("快递员都联系不上我|出门在外很不方便|{dur}了都没改善|邻居家也一样|工作消息都收不到"
                      "|{person}很担心|只能连WiFi|跑到外面才有|换了{device}也一样|{person}那边也是这样"
                      "|基站能不能建过来|这{dur}一直这样|{village}好多户都这样|{spot}一进去就断|发个定位都发不出去|只能在{yard}用手机|手机一直在搜信号，电掉得飞快"),
    "stability": frags("{dur}了都这样|孩子写作业都受影响|重启{times}都没用|关键时候掉链子|影响工作"
                       "|{person}也在抱怨|换了新光猫也一样|白天还好，{when}最严重|一个月要断十几回|路由器指示灯一闪一闪|断了又要重新登录|{person}上{work}被踢出来好几次|一个晚上断了{times}"),
    "speed": frags("交的钱跟速度不成正比|{dur}了都这样|孩子上{work}都卡|{person}也说慢|等得人着急"
                   "|换了{device}也一样|白天还行，{when}最慢|测了{times}都是这样|开个网页都要等十几秒|{app}一个视频缓冲好几次|看个{app}还得等|根本不是{speedplan}的速度"),
    "call_quality": frags("{person}都以为我不接电话|重要的电话都错过了|{dur}了都这样|换了{device}也一样"
                          "|谈生意很尴尬|对方说我这边全是杂音|{person}说听不清我说什么|说两句就得重拨"),
    "pricing": frags("{rival}同样的钱多一倍流量|每个月{money}不值|用了{years}越用越贵|一家人负担很重"
                     "|实在不划算|{pkg}里一半内容用不上|想换个便宜点的套餐都不行|每个月光月租就{money}"),
    "billing": frags("{dur}了还没说法|查了{times}详单都对不上|钱不多但很恶心人|以前从来没有这样"
                     "|这不是第一次了|要求退费|扣费明细一条条对不上|短信提醒都没有就扣了|钱是小事，扣得不明不白"),
    "customer_service": frags("打了{times}电话|前后拖了{dur}|最后也没人给个准话|每次都要重新说一遍"
                              "|说好回电也没回|感觉被当皮球踢|客服每次都说已经登记|找人工找了半天|一句有效的答复都没有"),
    "repair_install": frags("请了{dur}假在家等|催了{times}|{person}一直在家等着|约的时间一改再改"
                            "|修了{times}都没修好|师傅电话也打不通|光猫换了{times}|装个宽带拖拖拉拉"),
    "business_handling": frags("跑了{times}|请假去的还没办成|后面排队的人都在骂|材料带齐了还说不行"
                               "|同一件事跑了好几个地方|窗口前排了一长队|证件带了一堆还是不行|营业员自己都搞不清楚"),
    "marketing": frags("每个月多扣{money}|退订了{times}还在发|根本没人跟我说过|感觉被骗了|根本没人问过我同意不同意|退订的短信发了{times}|业务员当时可不是这么说的"),
    "privacy_security": frags("一天好几个|吓得{person}都不敢接电话|不知道信息从哪漏的|影响正常生活|接起来就是推销贷款|不知道谁把号码卖出去的|{person}也天天接到"),
}

# Details that fit any complaint (no category keywords in them).
ANY_DETAIL = frags("""
    已经忍了{dur}|{person}也遇到过|{month}开始的|耽误了好多事|真的受够了|不知道什么时候能好|交钱倒是挺积极
    我身边好多人都这样|{dur}了还是老样子|影响心情|说了{times}了|用了{years}头一回这样|{person}都劝我换一家
    周围邻居都在说|每天都提心吊胆|这都什么年代了|{when}尤其明显|年年都这样|越来越差了|以前不是这样的
    一直拖着|真是够了|家里人都有意见|跟{rival}比差远了|都不想说了
""")

# Elderly respondents: same pain points in their words (the 60以上 short board).
NEG_ELDERLY = {
    "business_handling": frags("""
        我七十多了，营业厅排队站不住，也没人照顾老人
        老年人不会用APP，营业厅又让我们自己在手机上办
        年纪大了看不清，营业员也不帮忙填，办个业务太难
        老人去营业厅办业务，营业员说得太快听不懂
        跑了两趟营业厅还没办好，我们老人腿脚不方便
        老人家唔识用手机办嘢，营业厅又要排好耐队
        办个停机保号要我本人去，我都八十了走不动
        网上办理我们老年人不会，营业厅的人工窗口越来越少
        营业员让我扫码关注，老人家哪会这些
        老伴的卡丢了，补卡手续太复杂
        在{shop}排了{queue}，我这把年纪站都站不稳
        {shop}让老人自己在机器上办，我们哪里会
        我是老人，去{shop}办业务被催着快点
        老人要改个套餐，营业员让回家在手机上办
    """),
    "customer_service": frags("""
        打10086全是语音，按来按去找不到人工，老人根本不会
        我们老年人打客服电话，机器人说话太快听不懂
        客服能不能有个老年人专线，别让我们按键
        客服讲话太快，我耳朵不好，说慢点都不肯
        打了几次热线都是机器人，我想找个真人说话
        客服让我去APP上操作，我不会用智能手机
        老人打人工客服要等很久，等着等着就挂了
        10086对老人一点耐心都没有
        {person}帮我打客服才转到人工，我自己根本不会
        客服说的我听不懂，问两遍就不耐烦
    """),
}

# Praise, per pain point, and in general.
POS = {
    "coverage": frags("信号很好，到哪都是满格|现在{village}也有5G信号了|{home}信号比以前好多了|山里也有信号了"
                      "|新建了基站以后{village}信号好多了|地下车库现在也有信号了|出差到哪信号都不错"
                      "|{spot}现在也有信号，点赞"),
    "stability": frags("宽带很稳定，没怎么断过|网络挺稳定的|用了{years}宽带一直很稳定|换了光猫以后再也没断过网"
                       "|{when}上网也很稳，没掉过线"),
    "speed": frags("网速很快，看视频不卡|5G网速很快，下载嗖嗖的|{speedplan}宽带速度快|网速可以，玩{game}不卡"
                   "|升级{speedplan}以后网速飞快|5G确实快，刷{app}很流畅|测速能跑到{speedplan}，满意"),
    "pricing": frags("套餐很划算|资费合理，性价比高|老年卡很便宜，适合我们老人|大王卡流量多，价格也实惠"
                     "|融合套餐一家人用很划算|这次改的套餐便宜了不少|{pkg}挺实惠的"),
    "customer_service": frags(
        "客服态度很好，耐心解答|10086客服很耐心，问题很快解决了|客服处理很及时|客服专业，一次就解决了"
        "|投诉后很快有人回电处理|在线客服回复很快|客服帮我查得很仔细"),
    "repair_install": frags("装维师傅很专业，上门很准时|师傅很快就修好了|宽带安装很快，师傅很负责"
                            "|师傅下雨天还上门修光猫，很感动|装宽带的小伙子很细心，线走得很整齐"
                            "|报修当天师傅就来了"),
    "business_handling": frags("营业厅工作人员很热情|营业员很耐心地教我用手机|在{shop}办理很快，不用排队"
                               "|APP办业务很方便|{shop}的小姑娘服务很好"),
}
# General praise is composed: a lead-in (optional) and one or two verdicts.
POS_LEAD = frags("_|用了{years}了，|一直用你们的，|总的来说，|整体来看，|说实话，|家里都用你们的，"
                 "|换过{rival}又换回来了，|这几年感觉|{person}推荐我用的，|从{rival}转过来{years}了，"
                 "|在{village}用也没问题，|老号用了{years}，")
POS_VERDICT = frags("""
    整体满意
    挺好的，没什么问题
    一直挺满意
    服务很好
    都挺好，给个好评
    很满意
    没什么大问题
    服务越来越好了
    总体不错
    信得过
    还不错吧
    没啥意见
    服务周到
    没毛病
    各方面都挺满意的
    比以前进步很多
    目前用着没问题
    好用，不折腾
    整體唔錯
    网络也不错
    用着放心
    挺省心的
    没遇到过什么麻烦
    比{rival}强
    {person}也说好用
""")
POS_END = frags("_|_|_|_|，谢谢|。|！|，辛苦了|，点赞|👍|，继续保持|~|😊|，加油")
POS_CONTEXT = frags("""
    用了{years}了|{person}也这么说|这点要表扬|比{rival}强|{month}体验了一下|值得点赞|一直这样就好
    {person}也在用|比前几年强多了|这个要给好评|希望保持|以前还担心|身边朋友都说好|出乎意料
    {when}也一样|没想到这么好|比我想的好
""")
SHORT_POS = frags("满意|很满意|非常满意|很好|好|挺好|还行|不错|满意👍|好评")
SHORT_NEU = frags("一般|一般般|还可以吧|凑合|马马虎虎|就那样|说不上来")
SHORT_NONE = frags("无|没意见|暂无|没有|无意见|暂时没有|没什么|/|无。|没有建议|.|无无无")
SUGGEST = [
    ("pricing", "多出一些适合老人的便宜套餐"), ("pricing", "老用户也能享受新用户的优惠"),
    ("pricing", "流量多给一些"), ("pricing", "套餐能灵活一点，可以自己选流量和通话"),
    ("pricing", "融合套餐再便宜点"), ("pricing", "学生套餐多一点"), ("coverage", "在{village}多建几个基站"),
    ("coverage", "加强室内信号覆盖"), ("coverage", "把山区的信号搞好一点"), ("coverage", "地下车库也覆盖一下信号"),
    ("coverage", "{village}的信号改善一下"),
    ("business_handling", "营业厅多开几个窗口"), ("business_handling", "APP做得简单点，老人也能用"),
    ("business_handling", "营业厅周末也能办业务"), ("business_handling", "营业厅给老人开个绿色通道"),
    ("customer_service", "10086能快点转人工"), ("customer_service", "客服回复能快一点"),
    ("customer_service", "开通老年人客服专线"), ("speed", "5G网速再快一点"), ("speed", "{when}网速能提升一下"),
    ("stability", "宽带稳定一点，别老断"), ("marketing", "少打点营销电话"),
    ("marketing", "办业务的时候把条款说清楚"), ("repair_install", "装维师傅上门前先打个电话"),
    ("billing", "扣费之前发个短信提醒"), ("billing", "话费账单做得清楚一点"),
    ("privacy_security", "加强骚扰电话拦截"), ("privacy_security", "把诈骗短信拦一拦"),
]
SUGGEST_WHY = frags("""
    {person}也是这么想的|这样大家都方便|我们这边很多人有这个需求|{person}经常说起这个|用了{years}就这点意见
    其他都还好|别的没什么|这样用着更放心|这个需求挺普遍的|{village}的人都盼着
""")
SUGGEST_OPEN = frags("建议|建议|个人建议|强烈建议|最好|盼着|建议贵公司|希望")

# Openers, connectors and closers of complaints. Survey filler (吐槽一下, 作为老用户,
# 希望尽快解决, 希望改进, 真心希望) stays in a minority of comments: in real exports it
# is a habit of some respondents, not of most, and it would otherwise dominate the topics.
OPEN_NEG = frags("""
    你好，
    您好，我想反映一下，
    说实话，
    真的很无语，
    气死了！
    服了，
    又来了，
    反映个问题：
    麻烦看一下，
    实话实说，
    我就说一点：
    唉，
    我是你们{years}的老客户了，
    用了{years}了，
""")
OPEN_FILLER = frags("吐槽一下，|作为老用户，|建议重视一下：")
LEAD_NEG = frags("最近|这段时间|从{month}开始，|{month}|这{dur}|今天又是|自从换了{device}，|说真的，|_")
CONNECT = frags("，而且|，还有|；另外|，同时|。还有就是|，再就是|。另外|，顺便说一句")
CLOSE_NEG = frags("""
    。
    ！！
    ！
    ，请尽快处理
    ，再这样就转网了
    ，太失望了
    😡
    🙄
    。。。
    ，无语
    ，体验极差
    ，差评
    ，要求给个说法
    ，什么时候能好
    ，到底管不管
    ？？
    ，麻烦跟进一下
    ，烦
""")
CLOSE_FILLER = frags("，希望尽快解决。|，希望改进|，真心希望能重视")
ELDER_OPEN = frags("我是老年人，|我年纪大了，|我今年七十了，|老人家讲句，|我六十八了，")
TYPOS = [("信号", "信好"), ("网速", "网苏"), ("客服", "客腹"), ("营业厅", "营业听"), ("扣费", "口费")]

CITIES = ["广州", "深圳", "佛山", "东莞", "汕头", "湛江", "梅州", "韶关"]
CITY_W = [22, 20, 12, 12, 9, 9, 8, 8]
AREA_TYPES, AREA_W = ["城市", "县城", "农村"], [55, 25, 20]
AGES, AGE_W = ["18-25", "26-35", "36-45", "46-60", "60以上"], [14, 26, 24, 20, 16]
PACKAGES = ["畅享套餐58元", "畅享套餐128元", "5G智享199元", "大王卡", "老年卡", "宽带融合套餐"]
CHANNELS = ["营业厅", "10086热线", "APP", "短信", "上门"]
BASE_CAT_W = {"coverage": 10, "stability": 14, "speed": 12, "call_quality": 5, "pricing": 9,
              "billing": 6, "customer_service": 12, "repair_install": 6, "business_handling": 7,
              "marketing": 6, "privacy_security": 4}
# Score drop of a complaint by category: customer service and stability hurt most.
PENALTY = {"customer_service": 4.2, "stability": 4.0, "billing": 1.4, "coverage": 1.0, "speed": 0.9,
           "call_quality": 1.1, "pricing": 0.4, "repair_install": 1.3, "business_handling": 0.6,
           "marketing": 1.0, "privacy_security": 0.6}


def phone(rng):
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def id_number(rng):
    """An 18-digit ID with a valid check digit, so masking cannot rely on a bad checksum."""
    body = rng.choice(["440106", "440304", "440604", "441900", "440507", "440802"])
    body += f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def pick_w(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def strip_(fragment):
    return "" if fragment == "_" else fragment


def random_day(rng):
    return FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))


def format_day(rng, day):
    """Mostly ISO; a few the way CRM exports write them."""
    roll = rng.random()
    if roll < 0.03:
        return f"{day.year}/{day.month}/{day.day}"
    if roll < 0.05:
        return f"{day.year}年{day.month}月{day.day}日"
    if roll < 0.065:
        return f"{day.isoformat()} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return day.isoformat()


def category_weights(area, age, day):
    weights = dict(BASE_CAT_W)
    if area == "农村":
        weights["coverage"] *= 5
    if age == "60以上":
        weights["business_handling"] *= 5
        weights["customer_service"] *= 3.5
    if day.month == 11:  # the planted rising issue
        # An escalating fault: the last ISO week (W47) must stand out from the
        # eight weeks before it, which already include the first November weeks.
        weights["billing"] *= 4 if day.day < 9 else 6 if day.day < 16 else 14
    return weights


def complaint_text(rng, cats, age):
    """One complaint about ``cats``: a main clause per pain point, details, opener and closer all varied."""
    parts = []
    for index, cat in enumerate(cats):
        pool = NEG[cat]
        if age == "60以上" and cat in NEG_ELDERLY and rng.random() < 0.7:
            pool = NEG_ELDERLY[cat]
        clause = fill(rng, rng.choice(pool))
        roll = rng.random()
        if roll < 0.75:
            clause += "，" + fill(rng, rng.choice(DETAIL[cat] if roll < 0.62 else ANY_DETAIL))
        if rng.random() < 0.1:
            extra = fill(rng, rng.choice(ANY_DETAIL))
            clause += "" if extra in clause else "，" + extra
        parts.append(("" if index == 0 else rng.choice(CONNECT)) + clause)
    lead = fill(rng, strip_(rng.choice(LEAD_NEG))) if rng.random() < 0.45 else ""
    roll = rng.random()
    opener = fill(rng, rng.choice(OPEN_FILLER if roll < 0.05 else OPEN_NEG)) if roll < 0.3 else ""
    if age == "60以上" and rng.random() < 0.3:
        opener += rng.choice(ELDER_OPEN)
    roll = rng.random()
    closer = rng.choice(CLOSE_FILLER) if roll < 0.06 else rng.choice(CLOSE_NEG) if roll < 0.65 else ""
    text = opener + lead + "".join(parts) + closer
    if rng.random() < 0.03:
        wrong, typo = rng.choice(TYPOS)
        text = text.replace(wrong, typo, 1)
    if rng.random() < 0.02:
        text += rng.choice(["，我的号码", "，有问题请联系", "，回电"]) + phone(rng)
    return text


def praise_text(rng):
    """Praise of one pain point, or general praise, composed from a lead-in and verdicts."""
    if rng.random() < 0.45:
        text = fill(rng, rng.choice(POS[rng.choice(list(POS))]))
        text += "，" + fill(rng, rng.choice(POS_VERDICT if rng.random() < 0.4 else POS_CONTEXT))
    else:
        text = fill(rng, strip_(rng.choice(POS_LEAD))) + fill(rng, rng.choice(POS_VERDICT))
        if rng.random() < 0.7:
            text += "，" + fill(rng, rng.choice(POS_VERDICT + POS_CONTEXT))
    if not text.endswith(("👍", "！")):
        text += strip_(rng.choice(POS_END))
    return text


def suggestion_text(rng):
    _, text = rng.choice(SUGGEST)
    lead = rng.choice(["整体还行，", "总的来说还可以，", "别的都好，"]) if rng.random() < 0.2 else ""
    why = "，" + fill(rng, rng.choice(SUGGEST_WHY)) if rng.random() < 0.7 else ""
    return lead + rng.choice(SUGGEST_OPEN) + fill(rng, text) + why + strip_(rng.choice(POS_END))


def survey_row(rng, number, day):
    area = pick_w(rng, AREA_TYPES, AREA_W)
    age = pick_w(rng, AGES, AGE_W)
    package_w = [20, 18, 12, 14, 2, 14]
    if age == "60以上":
        package_w = [18, 4, 2, 1, 40, 10]
    elif age == "18-25":
        package_w = [15, 10, 12, 35, 0, 5]
    channel_w = [30, 25, 25, 12, 8] if age != "60以上" else [45, 25, 4, 10, 16]
    roll = rng.random()
    if area == "农村" or age == "60以上":
        roll -= 0.08  # rural and elderly customers are less satisfied
    if roll < 0.48:
        weights = category_weights(area, age, day)
        codes = list(weights)
        cats = [pick_w(rng, codes, [weights[c] for c in codes])]
        if rng.random() < 0.22:
            second = pick_w(rng, codes, [weights[c] for c in codes])
            if second != cats[0]:
                cats.append(second)
        text = complaint_text(rng, cats, age)
        score = 7.2 - sum(PENALTY[c] for c in cats) + rng.gauss(0, 1.1)
    elif roll < 0.55:
        text = suggestion_text(rng)
        score = 7 + rng.gauss(0, 1)
    elif roll < 0.76:
        text = praise_text(rng)
        score = 9 + rng.gauss(0, 0.8)
    else:
        kind = rng.random()
        if kind < 0.4:
            text, score = rng.choice(SHORT_POS), 9 + rng.gauss(0, 0.8)
        elif kind < 0.62:
            text, score = rng.choice(SHORT_NEU), 6.5 + rng.gauss(0, 1)
        else:
            text, score = rng.choice(SHORT_NONE), 8.3 + rng.gauss(0, 1.2)
    if rng.random() < 0.008:
        text = ""
    score = "" if rng.random() < 0.004 else str(max(0, min(10, round(score))))
    return [str(number), score, pick_w(rng, CITIES, CITY_W), area, age,
            pick_w(rng, PACKAGES, package_w), pick_w(rng, CHANNELS, channel_w), format_day(rng, day), text]


NEAR_EDITS = (
    lambda text: text + "，谢谢",
    lambda text: "补充一下：" + text,
    lambda text: text.replace("的", "滴", 1) if "的" in text else text + "。。",
    lambda text: text[:-1] if len(text) > 16 else text + "！！",
    lambda text: text + "，再说一遍",
)


def paste_duplicates(rng, table, exact=10, near=5):
    """Respondents who submit the same answer twice, as is or with a small edit.

    A real export has a handful of these; everything else is composed fresh,
    so these are the only duplicates the duplicate finder should report.
    """
    sources = [index for index, row in enumerate(table) if len(row[-1]) >= 16]
    for count in range(exact + near):
        source, target = rng.choice(sources), rng.randrange(len(table))
        while target == source or table[target][-1] == "":
            target = rng.randrange(len(table))
        text = table[source][-1]
        table[target][-1] = text if count < exact else rng.choice(NEAR_EDITS)(text)


def write_survey(rng, path, rows=2000):
    days = sorted(random_day(rng) for _ in range(rows))
    table = [survey_row(rng, number, day) for number, day in enumerate(days, 1)]
    paste_duplicates(rng, table)
    header = ["序号", "满意度", "地市", "地区类型", "年龄段", "套餐", "渠道", "日期", "意见建议"]
    with open(path, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header] + table)


# Complaint orders: kind -> ("fact#demand" lines, results); facts follow "用户来电反映".
ORDERS = {
    "计费争议": (frags("""
        其号码近两个月每月被莫名扣费{n}元，用户表示未订购任何增值业务#要求查明原因并退还费用
        本月话费账单比平时多出{n}元，对扣费明细不认可#要求核实并退费
        已缴纳宽带费用但系统仍显示欠费，号码被停机#要求尽快复机并给予解释
        充值{n}元话费一直未到账#要求尽快核实到账
        国内出差期间被收取漫游费，用户认为不合理#要求退还漫游费
        流量超出套餐后被扣费{n}元，未收到任何扣费提醒#要求给出扣费明细并退费
        此前承诺的退费至今未退回#要求尽快退费
    """),
        frags("已核实并退费{n}元，用户表示认可|已解释扣费原因，用户表示理解|已为用户复机并减免当月费用"
              "|用户不认可处理结果，已升级处理|已退订相关业务并退费{n}元")),
    "网络质量": (frags("""
        其住所（{area}）室内信号很差，经常显示无服务，影响正常通话#要求尽快改善信号覆盖
        家中宽带近一周频繁断网，重启光猫后仍时断时续#要求派人上门检修
        手机上网速度很慢，5G信号下测速不足10M#要求排查网络问题
        在{area}一带没有信号，家中老人无法接打电话#要求尽快建站
        通话时经常有杂音，对方反映听不清#要求排查通话质量问题
        晚高峰宽带网速明显下降，无法正常看视频#要求给出解决时间
    """),
        frags("已安排网优人员现场测试，纳入建站规划|已派单至装维班组上门处理，故障已修复"
              "|已调整基站参数，用户反馈有所改善|已回访用户，问题已解决|已联系用户，用户未接听，待再次回访")),
    "服务质量": (frags("""
        多次拨打10086均无法转接人工客服，等待时间过长#要求改进并回电
        之前投诉的问题至今无人跟进处理，客服多次推诿#要求给出明确处理结果
        {city}某营业厅营业员服务态度差，业务办理出错#要求相关人员道歉
        客服答应回电但一直没有回电#要求专人跟进
        在线客服答非所问，问题未得到解决#要求专人跟进
    """),
        frags("已向用户致歉并加强人员培训|已安排专人跟进，用户表示认可|已回访用户，问题已解决"
              "|用户不认可处理结果，已升级处理")),
    "装维服务": (frags("""
        预约宽带安装后装维人员多次爽约，至今未上门#要求尽快安排安装
        光猫故障报修三天无人处理#要求尽快上门维修
        装维人员上门收取材料费，事先未告知#要求退还材料费
        机顶盒故障，维修后仍无法正常观看IPTV#要求更换设备
    """),
        frags("已派单至装维班组上门处理，故障已修复|已为用户更换光猫|已退还材料费并致歉|已预约次日上门安装")),
    "营销问题": (frags("""
        未经本人同意被开通视频彩铃业务并产生费用#要求取消业务并退还费用
        办理套餐时营业员承诺赠送话费但至今未到账#要求兑现承诺
        每天接到多个推销5G套餐的营销电话#要求停止营销外呼
        被营业员诱导办理了会员权益包，每月扣费{n}元#要求取消业务并退费
    """),
        frags("已取消相关业务并退还费用，用户满意|已兑现赠送话费|已将号码加入免打扰名单|已核实并退费{n}元，用户表示认可")),
    "资费套餐": (frags("""
        合约期内想降低套餐档位但被告知需支付违约金#要求免除违约金办理降档
        老用户无法办理新用户优惠套餐，认为不公平#要求享受同等优惠
        家中老人套餐月费过高，使用量很少#要求推荐合适的低价套餐
    """),
        frags("已为用户办理套餐变更|已向用户解释合约条款，用户表示理解|已为用户推荐老年套餐")),
    "业务办理": (frags("""
        办理携号转网时被多次拒绝，理由不明#要求按规定办理
        补卡需本人到营业厅，用户行动不便#要求提供上门办理服务
        销户手续繁琐，已跑营业厅两次仍未办成#要求尽快办结
    """),
        frags("已协调营业厅为用户办理|已安排工作人员上门办理|已向用户致歉并加强人员培训")),
    "信息安全": (frags("""
        办理业务后频繁接到陌生贷款和推销电话，怀疑个人信息泄露#要求调查并加强信息保护
        身份证被他人冒用办理了号码#要求注销冒名号码
        接到冒充客服的诈骗电话，对方能说出其套餐信息#要求给出调查结论
    """),
        frags("已提交安全部门核查|已注销冒名办理的号码|已为用户开通骚扰拦截")),
}
EXTRA = frags("""
    用户情绪激动
    用户表示已是第二次来电
    用户表示如不处理将向工信部投诉
    用户表示已在APP上反映过
    用户为老年人，由其子女代为来电
    用户称已拨打10086{times}
    用户称{person}也有同样情况
    用户语气较急
    用户要求{dur}内给予答复
    用户为在网{years}的老用户
    用户表示曾到营业厅反映未果
    用户使用{device}
    用户表示影响正常工作
    用户称问题已持续{dur}
    用户希望专人联系
""")
# When the problem started, in the agent's words; composed so that two orders rarely read alike.
SINCE = frags("近{dur}来|自{month}以来|_|_|从{month}起|{month}开始")


def write_orders(rng, path, rows=300):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "投诉工单"
    sheet.append(["工单编号", "受理时间", "地市", "投诉类型", "投诉内容", "处理结果"])
    days = sorted(random_day(rng) for _ in range(rows))
    kinds = list(ORDERS)
    for number, day in enumerate(days, 1):
        weights = [(6 if day.month == 11 else 2) if kind == "计费争议" else 1.3 for kind in kinds]
        kind = pick_w(rng, kinds, weights)
        facts, results = ORDERS[kind]
        city = pick_w(rng, CITIES, CITY_W)
        n = rng.choice([5, 10, 15, 20, 30, 58])
        fact, demand = rng.choice(facts).split("#")
        fact = fact.format(n=n, city=city, area=rng.choice(["某村", "某镇", "某小区地下室", "城中村"]))
        who = rng.choice(["用户来电反映", "用户{p}来电反映", "机主来电反映", "用户通过10086来电反映"])
        since = fill(rng, strip_(rng.choice(SINCE)))
        text = who.format(p=phone(rng)) + (since + "，" if since else "") + fact + "，"
        for _ in range(rng.choice([0, 1, 1, 2])):
            extra = fill(rng, rng.choice(EXTRA))
            text += "" if extra in text else extra + "，"
        text += demand + "。"
        if rng.random() < 0.15:
            text += f"用户提供身份证号{id_number(rng)}进行核验。"
        if rng.random() < 0.2:
            text += f"联系电话：{phone(rng)}。"
        when = dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.randint(0, 59), rng.randint(0, 59)))
        sheet.append([f"TS{day:%Y%m%d}{number:05d}", when, city, kind if rng.random() < 0.8 else None,
                      text, rng.choice(results).format(n=n)])
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["E"].width = 60
    book.properties.created = dt.datetime(2026, 11, 22)
    book.save(path)
    fix_zip_times(path)


def fix_zip_times(path):
    """Rewrite the xlsx with fixed times (openpyxl stamps 'modified' on save), so reruns give identical bytes."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-22T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 22, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)


SMS = frags("""
    10
    9
    8
    1
    0
    5
    满意
    非常满意
    很满意
    不满意
    一般
    好
    还行
    10分
    8分
    满意，谢谢
    信号太差
    网速慢
    网速太慢了
    客服态度很好
    扣费不明
    乱扣费
    没解决
    问题还没解决
    师傅很好
    TD
    T
    退订
    ？
    。。
    谁啊
    垃圾
    打不通10086
    家里老断网
    不满意，村里没信号
    满意👍
    太贵了
    OK
    嗯
    滿意
""")


def write_sms(rng, path, rows=300):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["手机号尾号", "回复时间", "回复内容"])
        times = sorted(dt.datetime.combine(random_day(rng), dt.time(rng.randint(7, 22), rng.randint(0, 59),
                                                                   rng.randint(0, 59))) for _ in range(rows))
        for when in times:
            writer.writerow([f"{rng.randrange(10000):04d}", f"{when:%Y-%m-%d %H:%M:%S}", rng.choice(SMS)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "samples", type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    write_survey(random.Random(SEED), args.out / "survey_export.csv")
    write_orders(random.Random(SEED + 1), args.out / "complaint_orders.xlsx")
    write_sms(random.Random(SEED + 2), args.out / "sms_replies.csv")


if __name__ == "__main__":
    main()
