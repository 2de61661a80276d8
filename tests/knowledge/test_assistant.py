"""The assistant as an owner meets it: English, typos, several questions at once, places inside
sentences, both programs, near misses, social turns, and dates that know what day it is."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from bot.live_knowledge import default_assistant
from knowledge.assistant import Answer, Assistant, Context
from knowledge.calendar import load_calendar
from knowledge.labels import TAIPEI
from knowledge.loader import English

A = default_assistant()
SORRY = "抱歉，這個問題我沒有把握回答"


def follow(previous: str, question: str) -> Answer:
    first = A.answer(previous)
    assert first.kind in ("faq", "lookup"), first
    return A.answer(question, Context(last_entry_id=first.entry_id, last_query=first.resolved_query))


def texts(message: str, context: Context | None = None) -> list[str]:
    return [a.text for a in A.respond(message, context).answers]


# -- townships -------------------------------------------------------------------------------------

def test_township_lookup_names_tier_and_bonus_rule() -> None:
    answer = A.answer("竹山鎮第幾分群?")
    assert answer.kind == "lookup"
    assert "分群3" in answer.text and "數位發展起步區" in answer.text
    assert "50%" in answer.text and "附件三" in answer.text


def test_ambiguous_town_asks_which_city() -> None:
    answer = A.answer("大安區是第幾分群")
    assert answer.kind == "clarify"
    assert {c.label for c in answer.choices} == {"臺北市大安區", "臺中市大安區"}
    picked = A.tier_answer(answer.choices[1].params["c"], answer.choices[1].params["t"])
    assert picked is not None and "臺中市大安區" in picked.text and "分群3" in picked.text


def test_a_word_that_is_also_a_town_name_is_not_a_place() -> None:
    answer = A.answer("以前有沒有什麼成功的群聚案例可以參考？")  # 成功 = success, not 臺東縣成功鎮
    assert answer.kind != "lookup" and "成功鎮" not in answer.text


def test_several_named_townships_each_get_their_tier_in_the_order_asked() -> None:
    answer = A.answer("雲林縣崙背鄉跟雲林縣大埤鄉各是第幾分群？")
    assert answer.kind == "lookup" and not answer.choices
    assert answer.text.index("崙背鄉") < answer.text.index("大埤鄉")
    assert "崙背鄉屬於「分群4" in answer.text and "大埤鄉屬於「分群3" in answer.text
    assert answer.text.count("📄") == 1


@pytest.mark.parametrize("question,tier,town", [
    ("我的店在竹山鎮，有加分嗎", 3, "竹山鎮"),
    ("台中市北屯區算偏鄉嗎", 1, "北屯區"),
    ("我們工作室開在花蓮瑞穗，屬於哪一區", 4, "瑞穗鄉"),
])
def test_a_township_inside_a_sentence_is_looked_up(question: str, tier: int, town: str) -> None:
    answer = A.answer(question)
    assert answer.kind == "lookup", answer.text
    assert town in answer.text and f"分群{tier}" in answer.text


def test_remote_area_question_explains_what_the_tiers_are() -> None:
    answer = A.answer("台中市北屯區算偏鄉嗎")
    assert "偏鄉" in answer.text and "分群4" in answer.text  # no 偏鄉 category: the four tiers instead


def test_a_township_mentioned_in_passing_does_not_hijack_the_question() -> None:
    answer = A.answer("我在竹山鎮開店，A類截止是哪天？")
    assert answer.kind == "faq" and "3月7日" in answer.text


@pytest.mark.parametrize("question,town,tier", [
    ("Which tier is Ruisui Township in?", "瑞穗鄉", 4),
    ("Is Jiaoxi in Yilan tier 3 or 4?", "礁溪鄉", 3),
    ("what tier is Chupei", "竹北市", 1),
    ("Hengchun township tier?", "恆春鎮", 4),
    ("Zhushan, Nantou — which digital development tier?", "竹山鎮", 3),
])
def test_romanized_townships_resolve_to_their_tier_in_english(question: str, town: str, tier: int) -> None:
    answer = A.answer(question)
    assert answer.kind == "lookup" and answer.lang == "en", answer.text
    assert town in answer.text and f"tier {tier}" in answer.text
    assert "Source" in answer.text


# -- English and mixed ------------------------------------------------------------------------------

def test_an_english_question_gets_the_english_answer_with_date_and_source() -> None:
    answer = A.answer("When is the deadline for Category A?")
    assert answer.kind == "faq" and answer.lang == "en"
    assert "March 7, 2023" in answer.text and "17:00" in answer.text
    assert "Source:" in answer.text and "(001)" not in answer.text or "（001）" in answer.text
    assert "截止時間" not in answer.text  # not the Chinese answer


def test_english_keeps_the_program_terms_an_owner_needs() -> None:
    answer = A.answer("How many firms does a Category B cluster need?")
    assert answer.kind == "faq" and "15" in answer.text and "B類" in answer.text


def test_mixed_chinese_with_english_words_is_answered_in_chinese() -> None:
    answer = A.answer("A類的deadline是哪天")
    assert answer.kind == "faq" and answer.lang == "zh" and "3月7日" in answer.text


def test_english_fallback_and_suggestions_are_in_english() -> None:
    answer = A.answer("What's the best hotpot restaurant near Taipei Main Station?")
    assert answer.fallback and answer.lang == "en"
    assert "Sorry" in answer.text and SORRY not in answer.text
    vague = A.answer("What is the meaning of life?")
    assert vague.kind != "faq" and vague.lang == "en"


# -- typos -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typo,right", [
    ("群據至少要幾家", "群聚至少要幾家"),
    ("提按截止是哪天", "提案截止是哪天"),
    ("輔道經費上限多少", "輔導經費上限多少"),
    ("計畫可行姓怎麼評分", "計畫可行性怎麼評分"),
    ("有哪些家分項目", "有哪些加分項目"),
    ("聯絡窗口的分基是多少", "聯絡窗口的分機是多少"),
])
def test_homophone_typos_find_the_same_answer(typo: str, right: str) -> None:
    wrong, correct = A.answer(typo), A.answer(right)
    assert correct.kind == "faq"
    assert wrong.kind == "faq" and wrong.entry_id == correct.entry_id


@pytest.mark.parametrize("typo,right", [
    ("aliance funding?", "alliance funding?"),  # the index's own phrasings spell «aliance» three times
    ("how many compnies for a cluster?", "how many companies for a cluster?"),
    ("wat is the dedline for category A", "what is the deadline for Category A?"),  # chat spelling
])
def test_english_misspellings_read_as_the_word_not_as_the_phrasings_that_share_the_slip(typo: str, right: str) -> None:
    wrong, correct = A.answer(typo), A.answer(right)
    assert correct.kind == "faq" and correct.lang == "en"
    assert wrong.kind == "faq" and wrong.entry_id == correct.entry_id


def test_a_rare_real_english_word_is_not_taken_for_a_slip() -> None:
    # «finding» is one letter from «funding», which the index uses far more often.
    assert "fund" not in A.en.normalize("finding partners abroad").split()


def test_target_markets_are_the_market_rule_not_going_abroad_in_general() -> None:
    """«target market» is what the market rule is about; read as «overseas» it matched every alliance rule."""
    answer = A.answer("Which target markets are allowed for the international alliance?")
    assert answer.entry_id == "ia-target-market", answer.text[:80]


@pytest.mark.parametrize("question,entry", [
    ("Say we get approved for the alliance and sign, then our biggest member pulls out and we decide not to go "
     "ahead. Are we banned from applying again?", ("ia-exclusions", "ia-quit-penalty")),
    ("I run a small B&B in Hualien and some neighbours want to form a digital cluster with me. A friend said only "
     "part of the members have to meet the SME standard — what's the minimum share that has to?", ("dc-sme-ratio",)),
])
def test_an_english_story_with_everyday_words_the_index_lacks_is_read_by_its_question(question: str, entry: tuple[str, ...]) -> None:
    """«ahead», «neighbours» are no topic of their own: the asking sentence decides, as in Chinese."""
    answer = A.answer(question)
    assert answer.entry_id in entry, answer.text[:80]


@pytest.mark.parametrize("question,lang", [("國際聯盟可以去德國嗎", "zh"), ("Can the alliance target Mexico?", "en"),
                                           ("We wanna take our alliance to Germany, would that be accepted?", "en"),
                                           ("聯盟可以主攻沙烏地阿拉伯嗎", "zh")])
def test_any_country_named_as_a_market_finds_the_market_rule(question: str, lang: str) -> None:
    """The documents name a handful of countries; an owner may name any of the world's (CLDR's list)."""
    answer = A.answer(question)
    assert answer.entry_id == "ia-target-market" and answer.lang == lang, answer.text[:80]


def test_a_country_the_documents_name_keeps_its_own_name() -> None:
    assert "美國" in A.zh.normalize("可以去美國嗎") and "國家" in A.zh.normalize("可以去德國嗎")


@pytest.mark.parametrize("question,entry", [
    ("can I upload the self-assessment forms and the video a bit after the deadline?", "dc-docs-two-day-supplement"),
    ("my proposal PDF is huge, is there a file size limit?", "dc-docs-plan"),
])
def test_an_everyday_word_in_a_long_english_question_is_colour_not_the_topic(question: str, entry: str) -> None:
    """«a bit», «huge»: words the index lacks, but a few among many; «How do I apply for SBIR?» still falls back."""
    assert A.answer(question).entry_id == entry
    assert A.answer("How do I apply for SBIR?").fallback


def test_chat_fillers_in_english_carry_no_topic() -> None:
    """«lol» is a word the index never uses: it made the question look foreign and fall back."""
    answer = A.answer("what paper do we need for the alliance proposal cover lol")
    assert answer.entry_id == "ia-print-format" and "pink" in answer.text, answer.text[:80]


@pytest.mark.parametrize("inflected,listed", [
    ("we dropped out halfway", "we drop out halfway"),
    ("we are dropping out halfway", "we drop out halfway"),
    ("handed in the proposal late", "hand in the proposal late"),
])
def test_a_listed_phrase_in_another_tense_reads_as_the_phrase(inflected: str, listed: str) -> None:
    """The vocabulary lists «drop out»; «dropped out» is the same phrase, not «drop» and «out»."""
    assert A.en.normalize(inflected) == A.en.normalize(listed)


def test_quitting_a_government_project_in_past_tense_finds_the_ban() -> None:
    answer = A.answer("if we dropped out of a gov project halfway before, how long are we banned from proposing a cluster?")
    assert answer.entry_id == "dc-exec-quit-penalty" and "2 years" in answer.text, answer.text[:80]


def test_an_english_word_the_index_never_uses_is_not_turned_into_one_it_does() -> None:
    # «stipend» is one slip from «spend»: correcting it would answer a question never asked.
    words = A.en.normalize("is there a monthly stipend for members").split()
    assert "spend" not in words and "stipend" in words
    assert A.answer("is there a monthly stipend for members").kind != "faq"


@pytest.mark.parametrize("question,word", [("我們有單車出租店，可以參加嗎", "出租"), ("工程公司可以當提案單位嗎", "工程")])
def test_a_common_word_the_index_never_uses_is_not_taken_for_a_typo(question: str, word: str) -> None:
    assert word in A.zh.normalize(question)


def test_a_character_next_to_a_grammatical_one_is_not_taken_for_a_typo() -> None:
    # «什麼工具» is in the index, yet «什麼共» is no slip for it: 麼 sits next to anything.
    assert "什麼共什麼" in A.zh.normalize("聽說數位群聚很強調什麼「共」什麼的")


def test_near_shape_typos_in_town_names_still_work() -> None:
    assert "分群" in A.answer("莿桐鄉第幾分群").text


# -- several questions in one message -------------------------------------------------------------

def test_two_questions_get_two_answers_in_order() -> None:
    answers = A.respond("群聚簽約後中途放棄會被停權幾年？那國際聯盟簽約後不執行呢？").answers
    assert len(answers) == 2
    assert "2年" in answers[0].text and "1年" in answers[1].text


def test_a_follow_up_inside_one_message_borrows_the_first_question() -> None:
    answers = A.respond("A類幾家？B類呢？").answers
    assert len(answers) == 2 and "10家" in answers[0].text and "15家" in answers[1].text


def test_two_different_questions_in_english() -> None:
    answers = A.respond("How many companies does a Category B cluster need, and what is the maximum funding?").answers
    joined = "\n".join(a.text for a in answers)
    assert len(answers) == 2 and "15" in joined and "1,000,000" in joined


def test_one_question_with_a_comma_stays_one_answer() -> None:
    assert len(A.respond("如果我們是觀光業，要申請A類，要準備什麼文件？").answers) == 1


def test_a_statement_before_the_question_is_its_context_not_a_question_of_its_own() -> None:
    answers = A.respond("我們是國際主題聯盟的提案廠商。請問截止是哪天？").answers
    assert len(answers) == 1 and answers[0].kind == "faq", [a.text for a in answers]
    assert "3月6日" in answers[0].text and "3月7日" not in answers[0].text


def test_the_second_half_stays_in_the_program_of_the_first() -> None:
    answers = A.respond("A類截止是哪天？幾點前要送出？").answers
    assert "3月7日" in answers[0].text
    assert all("國際主題聯盟申請期間" not in a.text for a in answers)


# -- both programs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["申請要準備什麼資料？", "期末審查那天領導企業的代表不能來怎麼辦",
                                      "沒選上的話計畫書會退回來嗎"])
def test_a_question_that_fits_both_programs_gets_both_side_by_side(question: str) -> None:
    answer = A.answer(question)
    assert "【數位群聚】" in answer.text and "【國際主題聯盟】" in answer.text


def test_context_decides_the_program() -> None:
    answer = follow("國際主題聯盟要幾家企業？", "截止是哪天？")
    assert "3月6日" in answer.text and "【數位群聚】" not in answer.text


# -- follow-ups ----------------------------------------------------------------------------------

def test_follow_up_switches_class() -> None:
    assert "2月22日" in follow("A類截止是哪天？", "那B類呢？").text


def test_follow_up_keeps_class_for_a_new_detail() -> None:
    assert "15家" in follow("B類的截止日是？", "要幾家？").text


def test_follow_up_asking_another_detail_of_the_same_program() -> None:
    """«那截止日呢» is 那 + 截止日: read as the word «納截» it lost to a tax-certificate rule."""
    assert "3月6日" in follow("國際主題聯盟補助多少？", "那截止日呢？").text
    assert "納" not in A.zh.normalize("那截止日呢？")


def test_follow_up_switches_program() -> None:
    assert "3月6日" in follow("A類截止是哪天？", "那國際聯盟呢？").text


@pytest.mark.parametrize("first,then,entry", [
    ("How much funding can an alliance get?", "what about the digital cluster?", "dc-funding"),
    ("How much funding can a digital cluster get?", "and the international alliance?", "ia-funding"),
    ("國際聯盟經費上限多少？", "那數位群聚呢？", "dc-funding"),
    ("國際主題聯盟的評分哪一項最重？", "那數位群聚A類呢？", "dc-scoring-a"),  # program and class at once
])
def test_a_follow_up_naming_the_other_program_leaves_the_old_one(first: str, then: str, entry: str) -> None:
    """The earlier question is asked again for the new program, not answered again for the old."""
    assert follow(first, then).entry_id == entry


def test_the_other_programs_rule_is_labelled_as_such_in_a_conversation_about_one() -> None:
    # The cluster's documents give no presentation length; the alliance's do (15 minutes).
    answer = follow("遴選會議誰要出席？", "簡報多久？")
    assert answer.program == "intl_alliance" and "15分鐘" in answer.text
    assert answer.text.startswith("「數位群聚」的須知裡我沒有找到") and "「國際主題聯盟」的規定" in answer.text


def test_english_follow_up() -> None:
    answer = follow("When is the Category A deadline?", "What about Category B?")
    assert answer.lang == "en" and "February 22, 2023" in answer.text


def test_unrelated_question_is_not_bent_into_a_follow_up() -> None:
    assert follow("A類截止是哪天？", "明天會下雨嗎").fallback


def test_suggestions_offer_at_most_three_entries_plus_none() -> None:
    answer = A.answer("評分怎麼算")
    assert answer.kind in ("faq", "suggest")
    faq_choices = [c for c in answer.choices if c.action == "faq"]
    assert len(faq_choices) <= 3 and all(len(c.label) <= 20 for c in answer.choices)


# -- honest near misses ---------------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "114年國際主題聯盟幾月開始收件", "115年A類截止是哪天", "明年還有數位群聚嗎", "2025年的數位群聚什麼時候收件",
    "When is the 2025 deadline for the cluster program?",
])
def test_a_year_the_documents_do_not_hold_gets_the_fallback_with_what_we_know(question: str) -> None:
    answer = A.answer(question)
    assert answer.fallback and answer.intent == "year", answer.text
    assert "2553-3988" in answer.text


def test_the_near_miss_says_which_year_it_knows() -> None:
    answer = A.answer("115年A類截止是哪天")
    assert "112年" in answer.text and "115年" in answer.text and "3月7日" in answer.text


@pytest.mark.parametrize("message,known", [("115年國際聯盟還有辦嗎？收件到幾號？", "113年3月6日"),
                                           ("2025年的数位群聚还有吗？什么时候截止？", "112年")])
def test_a_question_after_one_about_another_year_asks_about_that_year_too(message: str, known: str) -> None:
    """The old deadline must not come back as the answer to «收件到幾號» as if it were current."""
    answers = A.respond(message).answers
    assert len(answers) == 1 and answers[0].fallback and answers[0].intent == "year", [a.text for a in answers]
    assert known in answers[0].text and "最新公告" in answers[0].text


def test_a_story_told_in_relative_years_is_not_a_year_asked() -> None:
    answers = A.respond("我們去年有參加群聚輔導，今年想說繼續報B類，聽說家數要比較多？是要幾家啊").answers
    assert [a.kind for a in answers] == ["faq"] and "15家" in answers[0].text, [a.text[:60] for a in answers]


def test_this_year_framing_a_story_about_last_year_is_not_a_year_asked() -> None:
    """«今年想繼續申請» is the year one applies in; the rule asked about is the previous year's members."""
    answer = A.answer("我們去年有參加數位群聚，今年想繼續申請B類，可是有幾家不想做了，原本的成員最多可以換掉多少？")
    assert answer.kind == "faq" and "50%" in answer.text, answer.text[:80]
    # With no rule about the previous year found, 今年 is the year asked.
    held = A.answer("去年有辦數位群聚，今年還有嗎？")
    assert held.fallback and held.intent == "year", held.text[:80]


def test_a_part_naming_its_own_year_keeps_its_own_answer() -> None:
    answers = A.respond("115年還有數位群聚嗎？112年A類截止是哪天？").answers
    assert answers[0].intent == "year"
    assert any(a.kind == "faq" and "112年3月7日" in a.text for a in answers[1:]), [a.text for a in answers]


@pytest.mark.parametrize("question", ["可以給我鄭小姐的手機號碼嗎？打分機都沒人接", "翁小姐的LINE是多少",
                                      "Can I have Ms. Weng's mobile number?"])
def test_a_staff_members_own_phone_is_not_given_only_the_office_lines(question: str) -> None:
    answer = A.answer(question)
    assert answer.fallback and answer.intent == "unknowable", answer.text
    assert "2553-3988" in answer.text


def test_the_mobile_field_of_a_form_is_still_a_form_question() -> None:
    assert A.answer("聯絡人手機要填誰的").kind == "faq"


def test_a_near_miss_beside_a_rule_we_hold_is_said_not_dropped() -> None:
    answers = A.respond("SBIR可以申請嗎？數位群聚A類截止呢？").answers
    assert [a.intent for a in answers][0] == "other_program" and "SBIR" in answers[0].text
    assert answers[1].kind == "faq" and "112年3月7日" in answers[1].text


def test_a_previous_year_that_is_part_of_the_rule_is_not_a_near_miss() -> None:
    answer = A.answer("A類的話，去年有接受過數位群聚輔導的店家最多能佔幾趴")
    assert answer.kind == "faq" and "20%" in answer.text


@pytest.mark.parametrize("question,entry,fact", [
    ("我们想几家公司一起组联盟去马来西亚卖保健食品，至少要几家？", "ia-eligibility-members", "6家"),
    ("我們這邊十幾家店想一起報，帶頭的那家要怎麼決定？是隨便指定一家就好嗎", "dc-role-leader", "推舉"),
    # One character the documents never use (一「堆」收據) does not make the story the topic.
    ("我們以前拿別的補助都要貼一堆收據實報實銷，數位群聚的經費也是這樣核銷嗎？", "dc-exec-reimbursement", "總包價法"),
    # An English sentence ends at a full stop: the asking sentence is found after the story.
    ("Our company was set up 3 years ago. How many times a year can a startup get guidance like this?",
     "ia-guidance-frequency", "1 guidance per year"),
])
def test_the_asking_clause_is_found_inside_a_story(question: str, entry: str, fact: str) -> None:
    answers = A.respond(question).answers
    assert len(answers) == 1
    assert answers[0].kind == "faq" and answers[0].entry_id == entry and fact in answers[0].text


def test_a_story_and_its_asking_clause_that_agree_are_answered() -> None:
    # Neither the whole story nor «績效指標那邊B類有什麼一定要多做的嗎» alone is sure enough, but
    # both rank the same rule first: two readings agreeing is the evidence.
    answer = A.answer("我們群聚去年是做A類，這次想升B類，績效指標那邊B類有什麼一定要多做的嗎？")
    assert answer.kind == "faq" and answer.entry_id == "dc-kpi-b" and "數位通路" in answer.text


@pytest.mark.parametrize("question", ["請問一下SBIR", "可以問青創貸款嗎", "sorry, what about SBIR?"])
def test_a_polite_opener_does_not_hide_a_near_miss(question: str) -> None:
    answer = A.answer(question)
    assert answer.fallback and answer.intent == "other_program", answer.text


def test_a_clause_that_says_too_little_is_not_answered_alone() -> None:
    # «有補助可以拿嗎» alone would match some funding rule; the story (ISO) is what it is about.
    assert A.answer("我們公司想申請ISO認證，有補助可以拿嗎？").fallback


@pytest.mark.parametrize("question", ["營業稅要怎麼報？", "營業稅的稅率是幾%", "員工加班費要怎麼算",
                                      "What's the business tax rate in Taiwan?"])
def test_filing_taxes_and_labour_law_are_not_program_rules(question: str) -> None:
    answer = A.answer(question)
    assert answer.fallback and answer.intent == "unknowable", answer.text


def test_how_the_program_money_is_taxed_is_still_answered() -> None:
    answer = A.answer("經費上限有含營業稅嗎")
    assert answer.kind == "faq" and "含稅" in answer.text


def test_how_many_will_be_selected_is_the_rule_but_how_many_were_is_a_statistic() -> None:
    rule = A.answer("國際主題聯盟會錄取幾案？")
    assert rule.kind == "faq" and rule.entry_id == "ia-number-of-cases"
    past = A.answer("數位群聚入選了幾家")
    assert past.fallback and past.intent == "unknowable"


@pytest.mark.parametrize("question", [
    "The 2017-2020 cross-domain innovation plan: how many ecosystems was it supposed to build?",
    "106至109年的跨域創新增值計畫要建立幾個生態系？",
])
def test_a_span_of_years_that_reaches_a_year_we_hold_is_answered(question: str) -> None:
    answer = A.answer(question)
    assert answer.kind == "faq" and answer.entry_id == "bg-cross-domain-plan", answer.text


@pytest.mark.parametrize("question", [
    "中小及新創企業署的署長是誰", "去年數位群聚有多少家入選", "審查委員名單可以給我嗎", "SBIR跟這個差在哪",
    "青創貸款要怎麼申請", "地方型SBIR什麼時候截止",
])
def test_other_programs_people_and_statistics_get_the_fallback(question: str) -> None:
    answer = A.answer(question)
    assert answer.fallback, answer.text


# -- social turns ----------------------------------------------------------------------------------

@pytest.mark.parametrize("message,intent,expect", [
    ("謝謝", "thanks", "不客氣"), ("感謝你的說明！", "thanks", "不客氣"), ("你好", "greeting", "您好"),
    ("太棒了", "praise", "謝謝"), ("你答錯了", "complaint", "2553-3988"), ("沒用", "complaint", "抱歉"),
    ("你是誰", "identity", "小幫手"), ("你會做什麼", "identity", "分群"), ("可以轉真人嗎", "human", "2553-3988"),
    ("找專人", "human", "2553-3988"), ("掰掰", "goodbye", "掰掰"), ("好", "ack", "好"), ("OK", "ack", ""),
    ("Thanks!", "thanks", "welcome"), ("Can I talk to a human?", "human", "2553-3988"), ("who are you", "identity", "assistant"),
    ("早安～你可以幫我什麼？", "identity", "分群"), ("你一直給我錯的資訊", "complaint", "2553-3988"),
    ("this is useless, you keep giving me wrong info", "complaint", "Sorry"),
])
def test_social_turns_get_a_short_warm_reply(message: str, intent: str, expect: str) -> None:
    answers = A.respond(message).answers
    assert len(answers) == 1
    assert answers[0].kind == "social" and answers[0].intent == intent
    assert expect in answers[0].text and SORRY not in answers[0].text


@pytest.mark.parametrize("message,intent", [
    ("tks", "thanks"), ("good day", "greeting"), ("byebye", "goodbye"), ("拜", "goodbye"), ("我先去忙了", "goodbye"),
    ("have a good day", "goodbye"), ("talk later", "goodbye"), ("that's not right", "complaint"),
    ("not what I meant", "complaint"), ("你根本沒在聽", "complaint"), ("講了等於沒講", "complaint"),
    ("love it", "praise"), ("you're the best", "praise"), ("太強了", "praise"), ("回答得很好", "praise"),
    ("我想跟承辦人講話", "human"), ("can someone call me", "human"), ("我要找承辦人員", "human"),
    ("who is this", "identity"), ("我有問題想問", "greeting"), ("在忙嗎", "greeting"), ("can I ask something?", "greeting"),
    ("不好意思打擾了", "greeting"), ("謝謝你們", "thanks"), ("爛機器人", "complaint"), ("this bot sucks", "complaint"),
    ("我要投訴", "complaint"), ("請幫我轉接", "human"), ("有真人可以問嗎", "human"), ("你叫什麼名字", "identity"),
    ("are you real?", "identity"), ("改天再問", "goodbye"), ("see u", "goodbye"), ("哈哈", "ack"),
    ("OK的", "ack"), ("我再研究看看", "ack"), ("算了", "ack"), ("我問一下同事", "ack"), ("麻煩你了", "thanks"),
    ("this is helpful", "praise"), ("anyone?", "greeting"), ("最近好嗎", "greeting"), ("歹勢", "greeting"),
    ("I want to complain", "complaint"), ("可以打電話給我嗎", "human"), ("你會說英文嗎", "identity"),
    ("English please", "identity"), ("are you chatgpt", "identity"), ("help", "identity"),
    ("你是機器人還是真人啊？", "identity"),
])
def test_everyday_social_phrasings_get_a_social_reply(message: str, intent: str) -> None:
    [answer] = A.respond(message).answers
    assert (answer.kind, answer.intent) == ("social", intent), answer.text


@pytest.mark.parametrize("message,intent", [
    ("are u a bot?", "identity"), ("r u real?", "identity"), ("can I talk to a real person pls", "human"),
    ("thx u", "thanks"), ("你答錯了吧==", "complaint"), ("謝謝^^", "thanks"), ("好喔QQ", "ack"),
])
def test_chat_spellings_and_emoticons_are_read_as_what_they_say(message: str, intent: str) -> None:
    [answer] = A.respond(message).answers
    assert (answer.kind, answer.intent) == ("social", intent), answer.text


@pytest.mark.parametrize("message,intent", [
    ("goodbye", "goodbye"), ("good morning", "greeting"), ("good job", "praise"), ("thank you very much", "thanks"),
    ("謝囉", "thanks"), ("我先下線了", "goodbye"), ("這不是我要問的", "complaint"), ("that doesn't answer my question", "complaint"),
    ("給我真人", "human"), ("who am I talking to", "identity"), ("好的，但你答錯了", "complaint"), ("好的謝謝", "thanks"),
])
def test_the_phrase_that_says_most_decides_the_social_turn(message: str, intent: str) -> None:
    """«goodbye» is not praise for containing «good»; a complaint outweighs the «好的» before it."""
    [answer] = A.respond(message).answers
    assert (answer.kind, answer.intent) == ("social", intent)


@pytest.mark.parametrize("message", ["what is this program about", "這個計畫是做什麼的", "亂講，A類截止是哪天",
                                     "算了，那B類截止呢", "help me find the deadline for category A",
                                     "can u tell me the category A deadline pls"])
def test_a_question_beside_a_social_word_is_still_answered(message: str) -> None:
    [answer] = A.respond(message).answers
    assert answer.kind == "faq"


def test_the_human_request_gives_the_contact_of_the_program_in_context() -> None:
    first = A.answer("國際主題聯盟要幾家企業？")
    answer = A.respond("轉真人", Context(last_entry_id=first.entry_id)).answers[0]
    assert "分機606" in answer.text


def test_a_question_after_thanks_is_still_answered() -> None:
    context = Context(last_entry_id="dc-deadline-a", last_query="A類截止是哪天")
    answers = A.respond("謝謝！那B類呢？", context).answers
    assert len(answers) == 1 and "2月22日" in answers[0].text


# -- dates: from the calendar, and aware of today ---------------------------------------------------

@dataclass(frozen=True)
class Stone:
    id: str
    program: str
    year: int
    title: str
    at: datetime
    all_day: bool = False
    approximate: bool = False
    label: str = ""
    label_en: str = ""


def shipped() -> list:
    return list(load_calendar().milestones)


def test_past_dates_say_they_are_past() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=TAIPEI)
    answer = A.using(clock=lambda: now).answer("A類截止是哪天？")
    assert "112年3月7日" in answer.text and "已經過了" in answer.text


def test_dates_before_they_pass_carry_no_note() -> None:
    then = datetime(2023, 1, 10, 10, 0, tzinfo=TAIPEI)
    answer = A.using(clock=lambda: then).answer("A類截止是哪天？")
    assert "112年3月7日" in answer.text and "已經過了" not in answer.text


def test_a_staff_change_of_a_date_changes_every_answer_that_states_it() -> None:
    moved = [m.model_copy(update={"at": datetime(2023, 3, 10, 17, 0, tzinfo=TAIPEI)}) if m.id == "dc112-deadline-a"
             else m for m in shipped()]
    assistant = A.using(milestones=lambda: moved)
    for question in ("A類截止是哪天？", "112年重要日期有哪些", "沒按送出算有提案嗎"):
        text = assistant.answer(question).text
        assert "3月10日" in text and "3月7日" not in text, question


def test_a_new_years_milestone_is_named_beside_the_old_rule() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=TAIPEI)
    new = Stone("dc115-deadline-a", "digital_cluster", 115, "A類提案申請截止", datetime(2026, 12, 20, 17, 0, tzinfo=TAIPEI))
    assistant = A.using(milestones=lambda: [*shipped(), new], clock=lambda: now)
    text = assistant.answer("A類截止是哪天？").text
    assert "112年3月7日" in text and "115年12月20日" in text and "還有19天" in text


def test_approximate_dates_are_said_as_the_document_says_them() -> None:
    text = A.answer("A類遴選會議什麼時候").text
    assert "3月中旬" in text


# -- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("message", [
    "", "   ", "問" * 5000, "🙂🙂🙂", "<script>alert(1)</script>", "'; DROP TABLE users; --", "啊" * 500,
    "Ａ類 deadline 截止 ทดสอบ тест ✓", "\x00\ud800",
])
def test_bad_input_gets_a_polite_reply(message: str) -> None:
    response = A.respond(message)
    assert response.answers and all(a.text for a in response.answers)
    assert all(len(a.text) <= 5000 for a in response.answers)


# -- near ties ----------------------------------------------------------------------------------

def _with_twins(english_length: int = 40) -> Assistant:
    """The shipped knowledge plus two entries asked the same way, on different topics: a question
    in those words is a near tie, whichever of the two ranks first."""
    kb = A.kb
    base = kb.entry("dc-process-overview")
    assert base is not None
    twins = (
        base.model_copy(update={"id": "twin-parking", "topic": "twin-parking", "title": "停車場在哪",
                                "questions": ("說明會場地的資訊在哪裡看",), "keywords": (),
                                "answer": "說明會停車場在大樓地下二樓。",
                                "en": English(title="Parking", questions=("where is the venue information for the briefing",),
                                              answer="Parking is on basement level 2. ".ljust(english_length, "."))}),
        base.model_copy(update={"id": "twin-desk", "topic": "twin-desk", "title": "報到櫃台在哪",
                                "questions": ("說明會場地的資訊在哪裡看",), "keywords": (),
                                "answer": "說明會報到櫃台在一樓大廳。",
                                "en": English(title="Front desk", questions=("where is the venue information for the briefing",),
                                              answer="The front desk is in the lobby. ".ljust(english_length, "."))}),
    )
    return Assistant(kb.model_copy(update={"entries": (*kb.entries, *twins)}))


def test_a_near_tie_answers_both_readings_each_under_its_title() -> None:
    answer = _with_twins().answer("說明會場地的資訊要在哪裡看")
    assert answer.kind == "faq" and answer.entry_id in ("twin-parking", "twin-desk"), answer.text
    assert "【停車場在哪】\n說明會停車場在大樓地下二樓。" in answer.text
    assert "【報到櫃台在哪】\n說明會報到櫃台在一樓大廳。" in answer.text


def test_a_near_tie_too_long_for_one_message_offers_the_other_reading_as_a_tap() -> None:
    answer = _with_twins(english_length=2400).answer("where is the venue information for the briefing?")
    assert answer.kind == "faq" and answer.lang == "en", answer.text
    other = "Front desk" if answer.entry_id == "twin-parking" else "Parking"
    assert [c.label for c in answer.choices if c.action == "faq"] == [other]
    assert len(answer.text) < 5000


def test_three_topics_as_close_make_a_list_to_pick_from() -> None:
    twins = _with_twins()
    base = twins.kb.entry("twin-desk")
    assert base is not None
    third = base.model_copy(update={"id": "twin-toilet", "topic": "twin-toilet", "title": "洗手間在哪",
                                    "answer": "說明會洗手間在二樓。", "en": None})
    triplets = Assistant(twins.kb.model_copy(update={"entries": (*twins.kb.entries, third)}))
    answer = triplets.answer("說明會場地的資訊要在哪裡看")
    assert answer.kind == "suggest"
    assert {c.params["e"] for c in answer.choices if c.action == "faq"} == {"twin-parking", "twin-desk", "twin-toilet"}


def test_a_clear_answer_gives_one_rule() -> None:
    answer = _with_twins().answer("A類截止是哪天？")
    assert answer.kind == "faq" and "【" not in answer.text and "說明會" not in answer.text
