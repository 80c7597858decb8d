"""The temporal tagger, as a feature list: what it finds, how it normalizes, what it ignores.

All sentences here were written for these tests. The reference date (DCT) is Friday 2025-05-16
unless a test says otherwise.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.models import Timex
from tracker.timex import finder, tag

DCT = date(2025, 5, 16)  # a Friday


def found(text: str, dct: date = DCT) -> list[tuple[str, str, str]]:
    return [(t.text, t.type, t.value) for t in tag(text, dct)]


def one(text: str, dct: date = DCT) -> Timex:
    result = tag(text, dct)
    assert len(result) == 1, result
    return result[0]


# ---------------------------------------------------------------- absolute dates


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        ("The ceasefire began on May 16, 2025, officials said.", "May 16, 2025", "2025-05-16"),
        ("The ceasefire began on 16 May 2025, officials said.", "16 May 2025", "2025-05-16"),
        ("The filing is dated 2025-05-16 in the registry.", "2025-05-16", "2025-05-16"),
        ("The form was signed 05/16/2025 by both parties.", "05/16/2025", "2025-05-16"),
        ("The stadium reopened in May 2025 after repairs.", "May 2025", "2025-05"),
        ("The bridge was built in 1998 by a local firm.", "1998", "1998"),
        ("The vote took place on Friday, May 16, in the capital.", "Friday, May 16",
         "2025-05-16"),
        ("The ministers met on Sept. 3, 2024 in Lisbon.", "Sept. 3, 2024", "2024-09-03"),
        ("The deal was agreed on the 4th of July 2023.", "the 4th of July 2023", "2023-07-04"),
    ],
)
def test_absolute_dates_in_common_formats(text: str, span: str, value: str) -> None:
    t = one(text)
    assert (t.text, t.type, t.value) == (span, "DATE", value)
    assert text[t.start : t.end] == span


def test_month_day_without_year_takes_the_nearest_year() -> None:
    assert found("The company will pay the dividend on June 2.") == [
        ("June 2", "DATE", "2025-06-02")]
    assert found("The court ruled on Dec. 20 that the law stands.", date(2025, 1, 10)) == [
        ("Dec. 20", "DATE", "2024-12-20")]


def test_month_in_a_past_clause_may_lie_far_back() -> None:
    # DCT 2025-11-03: "March" 8 months back beats next March 4 months ahead in a past clause.
    assert found("The chief executive resigned in March for health reasons.",
                 date(2025, 11, 3)) == [("March", "DATE", "2025-03")]


def test_ended_and_since_fix_a_date_in_the_past() -> None:
    dct = date(2025, 10, 28)
    assert found("Sales for the twelve weeks ended Jan. 31 were flat.", dct)[-1:] == [
        ("Jan. 31", "DATE", "2025-01-31")]
    assert found("In the quarter ended Oct. 31, the bank lost money.", dct)[-1:] == [
        ("Oct. 31", "DATE", "2024-10-31")]


def test_a_deadline_that_was_due_lies_in_the_past() -> None:
    assert found("The payment was due on Monday but has been put off.") == [
        ("Monday", "DATE", "2025-05-12")]


def test_since_with_a_gerund_fixes_a_date_in_the_past() -> None:
    text = "The firm has sold assets since announcing in July its plan to shrink."
    assert found(text, date(2025, 3, 4)) == [("July", "DATE", "2024-07")]


def test_a_list_line_ends_the_sentence_before_it() -> None:
    text = "The board said it would act.\n20 April: the rig explodes."
    assert found(text, date(2025, 9, 8)) == [("20 April", "DATE", "2025-04-20")]


def test_payable_and_effective_fix_a_date_in_the_future() -> None:
    dct = date(2025, 10, 28)
    assert found("The board declared a dividend payable Jan. 5 to holders of record.", dct) == [
        ("Jan. 5", "DATE", "2026-01-05")]
    assert found("The new contract, which was signed by both unions, is effective June 1.",
                 dct) == [("June 1", "DATE", "2026-06-01")]
    assert found("It is payable to holders of record Jan. 3.", dct) == [
        ("Jan. 3", "DATE", "2026-01-03")]
    assert found("The index closed at a record Oct. 9.", dct) == [
        ("Oct. 9", "DATE", "2025-10-09")]


def test_a_participle_after_the_date_does_not_outvote_will_before_it() -> None:
    text = ("The airline will nearly double its flights between the two cities by August to "
            "reach new markets untouched by the downturn.")
    assert found(text, date(2025, 2, 13)) == [("August", "DATE", "2025-08")]


def test_since_shortly_after_points_back() -> None:
    text = "Police have been looking for the driver since shortly after the Oct. 23 crash."
    assert found(text, date(2025, 5, 6)) == [("Oct. 23", "DATE", "2024-10-23")]


def test_day_spelled_as_an_ordinal_word() -> None:
    assert found("The summit opens on Saturday, June twenty-first, in Oslo.") == [
        ("Saturday, June twenty-first", "DATE", "2025-06-21")]
    assert found("Profit in May first-quarter terms rose.")[0][2] == "2025-05"
    assert found("The blast in April first hit the shares.") == [("April", "DATE", "2025-04")]


def test_today_as_part_of_a_name_is_not_a_date() -> None:
    assert found("The interview ran in USA Today and on radio.") == []
    assert found("MEDICAL AID GROUPS Yesterday we visited the camp.") == [
        ("Yesterday", "DATE", "2025-05-15")]


def test_full_date_has_a_one_day_interval() -> None:
    t = one("It happened on May 3, 2025.")
    assert (t.date_start, t.date_end, t.precision) == (date(2025, 5, 3), date(2025, 5, 3), "day")


def test_month_interval_covers_the_whole_month() -> None:
    t = one("Prices rose in May 2025.")
    assert (t.date_start, t.date_end, t.precision) == (
        date(2025, 5, 1), date(2025, 5, 31), "month")


# ---------------------------------------------------------------- weekdays and tense


def test_weekday_in_past_tense_resolves_to_previous_friday() -> None:
    t = one("The minister said on Friday that talks had stalled.", date(2025, 5, 20))
    assert (t.text, t.value) == ("Friday", "2025-05-16")


def test_weekday_in_future_tense_resolves_to_next_friday() -> None:
    t = one("The delegations will meet on Friday in Geneva.", date(2025, 5, 13))
    assert (t.text, t.value) == ("Friday", "2025-05-16")


def test_weekday_equal_to_dct_weekday_is_the_dct_itself() -> None:
    assert found("Officials said Friday that the border was open.") == [
        ("Friday", "DATE", "2025-05-16")]


def test_bare_parts_of_day_take_the_day_last_named() -> None:
    assert found("Shares slid on Tuesday. Buyers returned in the afternoon.") == [
        ("Tuesday", "DATE", "2025-05-13"), ("the afternoon", "TIME", "2025-05-13TAF")]
    assert found("By mid-afternoon yesterday the index was flat.") == [
        ("mid-afternoon yesterday", "TIME", "2025-05-15TAF")]
    assert found("Listeners called the morning show.") == []
    assert found("My son gets up in the morning and asks for news.") == []
    assert found("He was made the fall guy for the losses.") == []
    assert found("She covered the Winter Olympics for the paper.") == []


def test_a_running_day_count_in_the_present_is_the_dct() -> None:
    assert found("It is the third day of the strike at the port.") == [
        ("the third day", "DATE", "2025-05-16")]
    assert found("Monday was the third day of the strike.")[1:] == []


def test_abbreviations_do_not_end_the_sentence_a_tense_cue_comes_from() -> None:
    # DCT Wednesday 2025-05-14: "will" governs "Thursday" across "a.m." and "U.S.".
    assert found("The envoy will fly to the U.S. capital at 4 a.m. EDT Thursday.",
                 date(2025, 5, 14))[-1][2] == "2025-05-15T04:00-04:00"


def test_a_past_verb_right_before_the_weekday_wins_over_a_later_would() -> None:
    assert found("The judge concluded on Monday that it would not hear the case.") == [
        ("Monday", "DATE", "2025-05-12")]
    assert found("We are forced to say there is a meeting this Thursday.", date(2025, 5, 11)) == [
        ("this Thursday", "DATE", "2025-05-15")]


def test_by_before_a_possessive_weekday_is_no_deadline() -> None:
    assert found("Thousands may have been killed by Tuesday's earthquake.") == [
        ("Tuesday", "DATE", "2025-05-13")]


def test_a_possessive_weekday_names_an_event_already_reported() -> None:
    assert found("The league said it would appeal against Wednesday's ruling.") == [
        ("Wednesday", "DATE", "2025-05-14")]
    assert found("The vote is due Tuesday.") == [("Tuesday", "DATE", "2025-05-20")]


def test_last_with_the_month_just_ended_means_a_year_before() -> None:
    assert found("Two ferries collided last April.") == [("last April", "DATE", "2024-04")]
    assert found("Two ferries collided last February.") == [
        ("last February", "DATE", "2025-02")]


def test_a_quotation_has_its_own_tense() -> None:
    text = "''The father will leave early Thursday,'' the minister said."
    assert found(text, date(2025, 5, 14)) == [("early Thursday", "DATE", "2025-05-15")]


def test_last_and_next_weekday() -> None:
    assert found("He arrived last Tuesday and leaves next Monday.") == [
        ("last Tuesday", "DATE", "2025-05-13"), ("next Monday", "DATE", "2025-05-19")]


def test_until_a_clock_time_and_weekday_looks_ahead() -> None:
    # DCT Monday 2025-05-12: the deadline "until 9 a.m. Tuesday" is tomorrow, not last week.
    t = one("The agency gave the family until 9 a.m. Tuesday to sign the agreement.",
            date(2025, 5, 12))
    assert (t.text, t.type, t.value) == ("9 a.m. Tuesday", "TIME", "2025-05-13T09:00")


def test_weekday_resolves_against_the_dct_not_the_last_date_named() -> None:
    # News reports date weekdays from the publication day even after an older explicit date.
    text = "The agreement was signed on April 2. Rebels attacked a convoy on Tuesday."
    assert found(text) == [("April 2", "DATE", "2025-04-02"), ("Tuesday", "DATE", "2025-05-13")]


# ---------------------------------------------------------------- relative expressions


def test_deictic_days_resolve_against_the_dct() -> None:
    assert found("Rain fell yesterday, sun today, and storms arrive tomorrow.") == [
        ("yesterday", "DATE", "2025-05-15"), ("today", "DATE", "2025-05-16"),
        ("tomorrow", "DATE", "2025-05-17")]


def test_a_weekday_with_a_part_of_day_is_the_date_of_that_day() -> None:
    assert found("Rebels shelled the port on Wednesday night, the navy said.") == [
        ("Wednesday night", "DATE", "2025-05-14")]


def test_earlier_stays_outside_a_week_span() -> None:
    assert found("The envoy arrived earlier this week.") == [("this week", "DATE", "2025-W20")]


def test_year_end_is_the_year_with_an_end_mod() -> None:
    t = one("The bridge should reopen before year-end, officials said.")
    assert (t.text, t.type, t.value, t.mod) == ("year-end", "DATE", "2025", "END")


def test_tonight_and_this_morning_are_times_of_the_dct() -> None:
    assert found("The vote is tonight; the debate ended this morning.") == [
        ("tonight", "TIME", "2025-05-16TNI"), ("this morning", "TIME", "2025-05-16TMO")]


def test_last_week_this_month_next_year() -> None:
    assert found("Sales fell last week, recover this month and grow next year.") == [
        ("last week", "DATE", "2025-W19"), ("this month", "DATE", "2025-05"),
        ("next year", "DATE", "2026")]


def test_the_year_is_the_current_year_unless_it_is_a_span_that_ended() -> None:
    assert found("Shares hit a high for the year in April.")[0] == ("the year", "DATE", "2025")
    assert found("Prices are low at this time of the year.") == []
    assert found("Revenue for the year ended March 31 was flat.")[0] == (
        "the year", "DURATION", "P1Y")


def test_the_year_in_a_generic_superlative_is_not_a_date() -> None:
    assert found("Halloween is the scariest night of the year.")[1:] == []
    assert found("Sales for the first nine months of the year rose.") == [
        ("the first nine months", "DURATION", "P9M"), ("the year", "DATE", "2025")]


def test_that_month_is_the_month_named_last() -> None:
    assert found("Rebels took the town in March 2024. Aid stopped that month.") == [
        ("March 2024", "DATE", "2024-03"), ("that month", "DATE", "2024-03")]


def test_week_value_has_a_monday_to_sunday_interval() -> None:
    t = one("Sales fell last week.")
    assert (t.date_start, t.date_end, t.precision) == (
        date(2025, 5, 5), date(2025, 5, 11), "week")


def test_two_years_ago_includes_ago_in_the_span() -> None:
    assert found("The plant closed two years ago.") == [("two years ago", "DATE", "2023")]


def test_since_is_not_part_of_the_span() -> None:
    assert found("Inflation has doubled since 2022.") == [("2022", "DATE", "2022")]


def test_earlier_this_month() -> None:
    assert found("The report was published earlier this month.") == [
        ("earlier this month", "DATE", "2025-05")]


def test_mid_month_has_mod_mid() -> None:
    t = one("The harvest starts in mid-May.")
    assert (t.text, t.value, t.mod) == ("mid-May", "2025-05", "MID")


def test_early_and_late_year_have_start_and_end_mods() -> None:
    result = tag("Shipments resumed in early 2024 and slowed in late 2024.", DCT)
    assert [(t.text, t.value, t.mod) for t in result] == [
        ("early 2024", "2024", "START"), ("late 2024", "2024", "END")]


def test_decades_with_and_without_apostrophe() -> None:
    assert found("Tastes changed in the 1990s and again in the '80s revival.") == [
        ("the 1990s", "DATE", "199"), ("the '80s", "DATE", "198")]


def test_decade_interval_spans_ten_years() -> None:
    t = one("Mortgages were cheap in the 2020s.")
    assert (t.value, t.date_start, t.date_end, t.precision) == (
        "202", date(2020, 1, 1), date(2029, 12, 31), "decade")


def test_century() -> None:
    t = one("The church dates from the 19th century.")
    assert (t.text, t.value, t.precision) == ("the 19th century", "18", "century")


def test_season_is_northern_meteorological() -> None:
    t = one("The dam will be finished this summer.")
    assert (t.text, t.value, t.date_start, t.date_end, t.precision) == (
        "this summer", "2025-SU", date(2025, 6, 1), date(2025, 8, 31), "season")


def test_season_of_a_spelled_out_year() -> None:
    assert found("Prices peaked in the winter of nineteen ninety-four.") == [
        ("the winter of nineteen ninety-four", "DATE", "1994-WI")]


def test_half_of_a_century_or_decade_is_that_period_with_a_mod() -> None:
    t = one("The pub thrived in the first half of the 20th century.")
    assert (t.text, t.value, t.mod) == ("the first half of the 20th century", "19", "START")
    t = one("Growth slowed in the second half of the 1990s.")
    assert (t.text, t.value, t.mod) == ("the second half of the 1990s", "199", "END")


def test_quarters_in_words_and_abbreviated() -> None:
    assert found("Profit rose in the third quarter of 2024 and fell in Q1 2025.") == [
        ("the third quarter of 2024", "DATE", "2024-Q3"), ("Q1 2025", "DATE", "2025-Q1")]


def test_quarter_without_year_is_the_latest_such_quarter() -> None:
    assert found("Revenue rose 5% in the fourth quarter.") == [
        ("the fourth quarter", "DATE", "2024-Q4")]


def test_fiscal_year() -> None:
    assert found("The budget for fiscal 2026 was approved.") == [
        ("fiscal 2026", "DATE", "2026")]


def test_a_year_earlier_is_the_previous_year() -> None:
    assert found("Exports rose 4%, after falling a year earlier.") == [
        ("a year earlier", "DATE", "2024")]


# ---------------------------------------------------------------- ranges and times


def test_range_gives_two_expressions_sharing_the_year() -> None:
    assert found("The exhibition runs from March to May 2024.") == [
        ("March", "DATE", "2024-03"), ("May 2024", "DATE", "2024-05")]
    assert found("Voting ran between May 5 and May 9, 2024.") == [
        ("May 5", "DATE", "2024-05-05"), ("May 9, 2024", "DATE", "2024-05-09")]
    assert found("Output grew between 2019 and 2021.") == [
        ("2019", "DATE", "2019"), ("2021", "DATE", "2021")]


def test_day_range_is_one_expression_covering_both_days() -> None:
    t = one("The summit is set for June 16-17, 2025 in Geneva.")
    assert (t.text, t.value, t.date_start, t.date_end) == (
        "June 16-17, 2025", "2025-06-16", date(2025, 6, 16), date(2025, 6, 17))


def test_year_ranges_and_iso_months() -> None:
    assert found("Output fell in the 2014-2015 period and again in 2019-20.") == [
        ("2014", "DATE", "2014"), ("2015", "DATE", "2015"),
        ("2019", "DATE", "2019"), ("20", "DATE", "2020")]
    assert found("See the 2024-11 bulletin.") == [("2024-11", "DATE", "2024-11")]


def test_the_next_day_follows_the_last_date_named() -> None:
    assert found("The strike began on March 3, 2024. The next day, talks resumed.") == [
        ("March 3, 2024", "DATE", "2024-03-03"), ("The next day", "DATE", "2024-03-04")]


def test_the_following_year_and_month_follow_the_last_year_and_month_named() -> None:
    assert found("The port opened in 2014. The following year, trade doubled.") == [
        ("2014", "DATE", "2014"), ("The following year", "DATE", "2015")]
    assert found("The law passed in March 2020; the following month, cases rose.") == [
        ("March 2020", "DATE", "2020-03"), ("the following month", "DATE", "2020-04")]


def test_clock_time_with_weekday_is_one_time_expression() -> None:
    assert found("The summit opens at 3 p.m. Tuesday in Oslo.") == [
        ("3 p.m. Tuesday", "TIME", "2025-05-13T15:00")]


def test_clock_time_alone_is_on_the_dct() -> None:
    t = one("The polls close at 8:30 pm.")
    assert (t.text, t.type, t.value, t.precision) == ("8:30 pm", "TIME", "2025-05-16T20:30",
                                                      "time")


# ---------------------------------------------------------------- durations and sets


def test_nearly_two_years_is_a_duration_with_a_mod() -> None:
    t = one("The siege lasted nearly two years.")
    assert (t.text, t.type, t.value, t.mod) == ("nearly two years", "DURATION", "P2Y",
                                                "LESS_THAN")
    assert t.date_start is None and t.precision is None


def test_for_three_days_excludes_the_preposition() -> None:
    assert found("The strike went on for three days.") == [("three days", "DURATION", "P3D")]


def test_the_past_three_months_is_a_duration() -> None:
    assert found("Prices climbed over the past three months.") == [
        ("the past three months", "DURATION", "P3M")]


def test_a_duration_right_before_a_closing_double_apostrophe_quote() -> None:
    assert found("''We need three days'' more, the mediator said.") == [
        ("three days", "DURATION", "P3D")]


def test_hours_and_half_years() -> None:
    assert found("The flight took 14 hours; the project took 2 1/2 years.") == [
        ("14 hours", "DURATION", "PT14H"), ("2 1/2 years", "DURATION", "P2Y6M")]


def test_a_unit_and_a_half() -> None:
    assert found("The standoff lasted an hour and a half.") == [
        ("an hour and a half", "DURATION", "PT1H30M")]
    assert found("A minute and a half later, the tower called back.") == [
        ("A minute and a half", "DURATION", "PT1M30S")]


def test_o_clock_with_a_part_of_day() -> None:
    assert found("The blast came at three o'clock in the afternoon.") == [
        ("three o'clock in the afternoon", "TIME", "2025-05-16T15:00")]


def test_high_noon_is_not_a_clock_time() -> None:
    assert found("For the ruling party, high noon comes at the ballot box.") == []


def test_sets_every_each_and_adverbs() -> None:
    assert found("The council meets every Monday and reports each year.") == [
        ("every Monday", "SET", "XXXX-WXX-1"), ("each year", "SET", "P1Y")]
    assert found("The index is updated weekly and audited annually.") == [
        ("weekly", "SET", "P1W"), ("annually", "SET", "P1Y")]


def test_more_than_and_at_least_set_duration_mods() -> None:
    result = tag("Talks lasted more than four hours; the ban holds for at least 30 days.", DCT)
    assert [(t.text, t.value, t.mod) for t in result] == [
        ("more than four hours", "PT4H", "MORE_THAN"),
        ("at least 30 days", "P30D", "EQUAL_OR_MORE")]


def test_about_marks_an_approximate_expression() -> None:
    result = tag("The talks lasted about two hours and ended at about 3 p.m.", DCT)
    assert [(t.text, t.value, t.mod) for t in result] == [
        ("about two hours", "PT2H", "APPROX"), ("about 3 p.m.", "2025-05-16T15:00", "APPROX")]


def test_quantity_per_unit_is_a_set_not_a_duration() -> None:
    assert found("The pipeline carried 40,000 barrels of crude a day.") == [
        ("a day", "SET", "P1D")]
    assert found("Repairs took a day.") == [("a day", "DURATION", "P1D")]


def test_ages_are_not_durations() -> None:
    assert found("The 52-year-old driver, a mechanic 40 years old, was unhurt.") == []


def test_sets_and_durations_have_no_interval() -> None:
    for t in tag("The board meets every Monday for two hours.", DCT):
        assert (t.date_start, t.date_end, t.precision) == (None, None, None)


def test_quarter_interval() -> None:
    t = one("Output fell in Q2 2024.")
    assert (t.date_start, t.date_end, t.precision) == (
        date(2024, 4, 1), date(2024, 6, 30), "quarter")


def test_holidays_resolve_to_their_day() -> None:
    assert found("Stores closed on Christmas Day 2024 and reopen after Thanksgiving.") == [
        ("Christmas Day 2024", "DATE", "2024-12-25"), ("Thanksgiving", "DATE", "2024-11-28")]


def test_fourth_of_july_is_independence_day() -> None:
    assert found("Crowds gathered for the Fourth of July fireworks.", date(2025, 7, 6)) == [
        ("Fourth of July", "DATE", "2025-07-04")]
    assert found("Crews hope to finish before July Fourth celebrations.") == [
        ("July Fourth", "DATE", "2025-07-04")]


def test_holiday_week_is_the_iso_week_of_the_holiday() -> None:
    # DCT Monday 2025-04-14; Easter 2025 is Sunday April 20 (ISO week 16).
    assert found("Pilgrims gathered as Easter week began.", date(2025, 4, 14)) == [
        ("Easter week", "DATE", "2025-W16")]


def test_holiday_a_few_days_ahead_is_this_years_even_in_a_past_clause() -> None:
    assert found("Shops said sales rose before Christmas.", date(2025, 12, 20)) == [
        ("Christmas", "DATE", "2025-12-25")]
    assert found("Shops said sales rose before Christmas.", date(2025, 6, 20)) == [
        ("Christmas", "DATE", "2024-12-25")]


def test_anaphoric_quarter_follows_the_first_quarter_named() -> None:
    text = ("Net income rose in the third quarter of 2024. Revenue in the quarter was flat, "
            "and costs fell from a year earlier.")
    assert found(text) == [("the third quarter of 2024", "DATE", "2024-Q3"),
                           ("the quarter", "DATE", "2024-Q3"),
                           ("a year earlier", "DATE", "2023-Q3")]


def test_a_second_company_reporting_its_quarter_starts_a_new_reference() -> None:
    text = ("Acme earned $5 million in the fiscal first quarter, up from $4 million a year "
            "earlier. Separately, Zenith reported third-quarter profit of $2 million, up from "
            "$1 million a year earlier.")
    assert [v for _, _, v in found(text, date(2025, 10, 28))] == [
        "2025-Q1", "2024-Q1", "2025-Q3", "2024-Q3"]


def test_that_quarter_is_the_quarter_named_last() -> None:
    text = ("Profit rose in the third quarter of 2024. In the second quarter of 2024 the "
            "company lost money; results for that quarter included a charge.")
    assert found(text)[-1] == ("that quarter", "DATE", "2024-Q2")


def test_a_historical_quarter_does_not_become_the_reported_quarter() -> None:
    text = ("The utility stopped paying dividends in the third quarter of 2019. It reported "
            "third-quarter profit of $60 million, up from $55 million a year ago.")
    assert found(text, date(2025, 10, 28)) == [("the third quarter of 2019", "DATE", "2019-Q3"),
                                               ("third-quarter", "DATE", "2025-Q3"),
                                               ("a year ago", "DATE", "2024-Q3")]


def test_a_year_earlier_after_the_nine_months_is_the_previous_year() -> None:
    text = ("Third-quarter profit rose to $5 million from $4 million a year earlier. For the "
            "first nine months, profit was $12 million, up from $10 million a year earlier.")
    assert [v for _, _, v in found(text, date(2025, 10, 28))] == [
        "2025-Q3", "2024-Q3", "P9M", "2024"]


def test_a_period_followed_by_a_year_ago_is_one_expression() -> None:
    text = ("Third-quarter sales climbed to $9 million from $7 million in the quarter a year "
            "earlier.")
    assert found(text, date(2025, 10, 28)) == [
        ("Third-quarter", "DATE", "2025-Q3"), ("the quarter a year earlier", "DATE", "2024-Q3")]


# ---------------------------------------------------------------- vague references


def test_now_and_currently_are_present_ref_on_the_dct() -> None:
    result = tag("The firm now employs 300 people and is currently hiring.", DCT)
    assert [(t.text, t.value) for t in result] == [("now", "PRESENT_REF"),
                                                   ("currently", "PRESENT_REF")]
    assert all((t.date_start, t.date_end, t.precision) == (DCT, DCT, "day") for t in result)


def test_sentence_opening_now_with_a_comma_is_a_discourse_marker() -> None:
    assert found("The plan had failed. Now, the mayor argues, it deserves a second look.") == []
    assert found('She sighed. "Now, we wait for the vote," she said.') == []
    assert found("For now, the bridge stays shut.") == [("now", "DATE", "PRESENT_REF")]


def test_one_day_after_a_modal_means_someday() -> None:
    assert found("Planners hope the town will one day host the games.") == [
        ("one day", "DATE", "FUTURE_REF")]
    assert found("The strike lasted one day.") == [("one day", "DURATION", "P1D")]


def test_recently_is_past_ref_and_the_future_is_future_ref() -> None:
    result = tag("The law was recently amended and may change in the future.", DCT)
    assert [(t.text, t.value, t.date_start) for t in result] == [
        ("recently", "PAST_REF", None), ("the future", "FUTURE_REF", None)]


def test_today_as_the_present_is_present_ref() -> None:
    assert found("Critics say the city of today has lost its charm.") == [
        ("today", "DATE", "PRESENT_REF")]


def test_generic_todays_before_an_era_noun_is_not_a_timex() -> None:
    assert found("Rules written for today's consumers differ from the old ones.") == []
    assert found("In today's world the rules are different.") == []
    assert found("Today's vote was delayed.") == [("Today", "DATE", "2025-05-16")]


def test_per_hour_as_a_unit_of_measure_is_not_a_set() -> None:
    assert found("The new train reaches 300 kilometers per hour on the plain.") == []
    assert found("Guards check the gate every hour.") == [("every hour", "SET", "PT1H")]


def test_a_frequency_adverb_inside_a_rate_is_not_a_set() -> None:
    assert found("The group expects its revenue to grow 12% annually.") == []
    assert found("The mill will make about 4,000 units annually.") == []
    assert found("Average daily output at the mine rose.") == []
    assert found("The council meets monthly in the old hall.") == [("monthly", "SET", "P1M")]


def test_former_is_not_a_timex() -> None:
    assert found("The former minister spoke to reporters.") == []


# ---------------------------------------------------------------- things that are not dates


@pytest.mark.parametrize(
    "text",
    [
        "Prices may rise if demand may stay strong.",
        "Thousands will march through the city center.",
        "She finished second in the race.",
        "The home side won 3-1 in extra time.",
        "The fine was $2,000 and costs rose 12%.",
        "He lives at 1600 Pennsylvania Avenue.",
        "We asked the council for the figures.",
        "The ship Sun Princess docked at Port Mar Azul.",
        "They counted 4,512 ballots and 317 spoiled papers.",
        "Satellites orbit 35786 kilometers above the equator.",
    ],
)
def test_no_false_dates(text: str) -> None:
    assert found(text) == []


def test_month_of_a_capitalized_name_is_not_a_date() -> None:
    assert found("Thousands joined the March of the Mothers through the capital.") == []


def test_quoted_show_title_is_not_a_duration() -> None:
    assert found('The senator said on CBS\'s "60 Minutes" that he would run.') == []


def test_the_day_before_an_event_in_apposition_to_a_date_is_that_date() -> None:
    assert found("Shares fell on Oct. 12, the day before the market crash.") == [
        ("Oct. 12", "DATE", "2024-10-12"), ("the day", "DATE", "2024-10-12")]
    assert found("He flew home on May 2 and left again the day after.") == [
        ("May 2", "DATE", "2025-05-02"), ("the day after", "DATE", "2025-05-03")]


def test_month_inside_a_name_is_not_a_date() -> None:
    assert found("Thousands joined the Women's March downtown.") == []


def test_modal_may_and_month_may_in_one_sentence() -> None:
    assert found("The rules may change in May.") == [("May", "DATE", "2025-05")]


# ---------------------------------------------------------------- counts, not years


def test_a_plural_thousands_before_of_is_a_quantity_not_a_century() -> None:
    assert found("The minister told 1000s of lies during the campaign.") == []
    assert found("Staff sorted the 1000s of emails by hand.") == []


def test_a_bare_plural_thousands_is_a_quantity_but_the_1000s_is_a_century() -> None:
    assert found("1000s turned out to watch the parade.") == []
    assert found("Norse traders reached the coast in the 1000s.") == [
        ("the 1000s", "DATE", "10")]
    assert found("The abbey was founded in the early 1000s.") == [
        ("the early 1000s", "DATE", "10")]


def test_plural_hundreds_before_of_are_a_quantity_unless_the_makes_them_a_century() -> None:
    assert found("1500s of fans queued outside.") == []
    assert found("He grew up in the 1500s of the Tudors.") == [("the 1500s", "DATE", "15")]
    assert found("Fans of the 1990s of my youth still come.") == [("the 1990s", "DATE", "199")]


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        ("Crowds of 1000s came in the 1990s.", "the 1990s", "199"),
        ("1000s of fans sang songs from the '60s.", "the '60s", "196"),
        ("The 1800s saw 1000s of mills open.", "The 1800s", "18"),
        ("1000s of pilgrims came in 1000 AD.", "1000", "1000"),
        ("The year 1000 brought 1000s of sermons.", "The year 1000", "1000"),
        ("Since 1999 1000s of workers have left.", "1999", "1999"),
    ],
)
def test_thousands_beside_a_real_decade_century_or_year(text: str, span: str, value: str) -> None:
    assert found(text) == [(span, "DATE", value)]


def test_a_year_sized_number_before_a_count_noun_is_a_count() -> None:
    assert found("About 1500 protesters gathered outside the ministry.") == []
    assert found("The farm keeps 2000 sheep and 1500 goats.") == []
    assert found("Prices rose 2000 percent.") == []
    # a year still dates a plural that is no count ...
    assert found("The 1992 protests spread to the south.") == [("1992", "DATE", "1992")]


def test_more_between_a_number_and_a_count_noun_leaves_a_count() -> None:
    assert found("He sent 2000 more troops to the border.") == []
    # ... but "in" before the number makes it a year.
    assert found("In 2008 more people voted than ever.") == [("2008", "DATE", "2008")]


def test_a_number_before_a_hyphen_and_a_measure_is_a_count() -> None:
    assert found("A 2000-strong force crossed the river.") == []
    assert found("Divers found a 2000-year-old coin.") == []
    assert found("The 1990-91 season ended early.") == [
        ("1990", "DATE", "1990"), ("91", "DATE", "1991")]


def test_a_number_before_of_them_is_part_of_a_count() -> None:
    assert found("2000 of them were never found.") == []
    assert found("Only 1000 of the 2000 soldiers came back.") == []
    assert found("Sales hit 3,000 in 2008.") == [("2008", "DATE", "2008")]


def test_numbered_labels_and_products_are_not_years() -> None:
    assert found("Resolution 1973 allowed the strikes.") == []
    assert found("The suit was filed under Section 1983.") == []
    assert found("The office still runs Windows 2000 on every desk.") == []
    assert found("Windows 2000 came out in 2000.") == [("2000", "DATE", "2000")]
    for text in ("A Boeing 737 and an Airbus A380 sat on the runway.",
                 "Two F-16 jets flew over the G20 summit.", "COVID-19 cases fell along Route 66.",
                 "They wrote a 1000-page report."):
        assert found(text) == [], text


# ---------------------------------------------------------------- time words inside names


def test_a_weekday_before_a_newspaper_name_is_part_of_the_name() -> None:
    assert found("The Sunday Times printed the letter in full.") == []
    assert found("She wrote for the Sunday Telegraph and the Sunday Mirror.") == []
    assert found("THE SUNDAY TIMES SAID SO.") == []


def test_a_weekday_before_a_show_or_group_name_is_part_of_the_name() -> None:
    assert found("He starred on Monday Night Football for a decade.") == [
        ("a decade", "DURATION", "P10Y")]
    assert found("The Tuesday Group of moderates met the speaker.") == []
    assert found("Worshippers filled the Friday Mosque.") == []
    # Named days in the holiday list keep their reading.
    assert found("The Good Friday Agreement ended the conflict.") == [
        ("Good Friday", "DATE", "2025-04-18")]


def test_a_weekday_is_a_name_only_before_a_known_name_head() -> None:
    assert found("The Sunday Times said on Sunday that the envoy would go.") == [
        ("Sunday", "DATE", "2025-05-11")]
    assert found("On Sunday Obama said he would go.") == [("Sunday", "DATE", "2025-05-11")]
    assert found("The blast hit at 5 a.m. Sunday Iraq time.") == [
        ("5 a.m. Sunday", "TIME", "2025-05-11T05:00")]
    # after "on" a one-word head is no newspaper: a newspaper takes an article
    assert found("On Sunday Post Office workers walked out.") == [
        ("Sunday", "DATE", "2025-05-11")]


def test_a_month_before_a_name_head_is_part_of_the_name() -> None:
    assert found("The October Club met at Oxford.") == []
    assert found("In March Group of Seven ministers met in Rome.") == [
        ("March", "DATE", "2025-03")]


# ---------------------------------------------------------------- internals


def test_anchor_windows_find_what_a_full_scan_finds() -> None:
    text = (
        "On Friday, May 16, 2025, at 10 a.m. the delegations met tonight, for the first time since "
        "March 2022; Good Friday and Christmas Eve 2024 passed. The deal, agreed in the 1990s and "
        "revised in Q3 2019-20, holds for three years, every Monday, daily, each winter. Last "
        "weekend's vote came two weeks ago, nineteen ninety-four, the year two thousand; the "
        "previous day, mid-afternoon yesterday, the quarter, year-end, 5 1/2 hours, FY2024."
    )
    full = {(name, m.start(), m.end()) for name, pattern in finder.RULES
            for m in pattern.finditer(text) if m.end() > m.start()}
    windowed = {(c.rule, c.start, c.end) for c in finder.find_candidates(text)}
    assert windowed == full


# ---------------------------------------------------------------- output contract


def _check_contract(text: str, result: list[Timex]) -> None:
    last_end = -1
    for t in result:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start : t.end] == t.text
        assert t.start >= last_end
        last_end = t.end
        assert t.type in ("DATE", "TIME", "DURATION", "SET")
        if t.date_start is not None:
            assert t.date_end is not None and t.date_start <= t.date_end
            assert t.precision is not None


def test_results_are_sorted_non_overlapping_and_slice_back() -> None:
    text = ("On Friday, May 16, 2025, at 10 a.m., the two delegations met for the first time "
            "since March 2022; they will meet again next week and every month after that.")
    result = tag(text, DCT)
    assert len(result) >= 5
    _check_contract(text, result)


def test_empty_text() -> None:
    assert tag("", DCT) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400).map(lambda b: b.decode("utf-8", errors="replace")))
def test_any_decoded_bytes_are_safe(text: str) -> None:
    _check_contract(text, tag(text, DCT))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(
    [*"0123456789 -/.,:'$%", "May", "March", "Friday", " ago", " years", " the ",
                                   "quarter", "Q3", "p.m.", "now", "🎉", "\u0130", "mid-",
                                   "last ", "every ", "nearly ", "the end of "]),
    max_size=40).map("".join))
def test_any_mix_of_date_fragments_is_safe(text: str) -> None:
    _check_contract(text, tag(text, DCT))


def _full_scan(text: str) -> list[tuple[str, int, int]]:
    return sorted((name, m.start(), m.end()) for name, pattern in finder.RULES
                  for m in pattern.finditer(text) if m.end() > m.start())


_TEMPORAL_WORDS = """the a this last next past each every per once twice several few couple of
one two three ten twenty-first first second third fourth final seconds minutes hours day days
night weekend week fortnight month months quarter years decade centuries ago earlier later from
now hence back ahead recent recently current future present today tonight tomorrow yesterday
overnight morning afternoon evening noon midnight o'clock a.m. p.m. EST in on at by during since
until and or more than about nearly early late mid- end beginning rest fiscal FY calendar Q3 H1
year-end year-ago spring summer fall winter Christmas Eve New Year's Easter Good Friday
Thanksgiving July Fourth Juneteenth January March May June Sept. Dec. Monday Friday Sundays
Thurs. 1990s 1000s '90s twenties 2024 1999 2025-03-05 3/5/2024 10:30 15 1/2 31 2019-20 $5 5% said
will planned -long -old headquarters percent behalf doctor soon very shortly moment time being
annual quarterly '82 ’98 UTC CET 16:08 same start""".split()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(_TEMPORAL_WORDS),
    st.sampled_from([" ", " ", " ", ", ", ". ", "\n", " - ", "-", "'s ", "''", "  ", "/", ""]),
    st.sampled_from([str.lower, str.upper, str.title, str, lambda w: w.replace("i", "ı")]),
), max_size=30).map(lambda parts: "".join(case(w) + gap for w, gap, case in parts)))
def test_the_anchored_scan_finds_what_a_full_scan_of_every_rule_finds(text: str) -> None:
    # Rules run only in windows around their anchor words, for speed; that must not lose or
    # invent a match.
    found_here = sorted((c.rule, c.start, c.end) for c in finder.find_candidates(text))
    assert found_here == _full_scan(text)


@settings(max_examples=100, deadline=None)
@given(st.dates(), st.sampled_from([
    "tomorrow and yesterday", "next year, last week and the next day", "in the 1990s",
    "two centuries ago", "the fourth quarter", "this winter", "Friday, Feb. 29", "every Monday",
    "Christmas", "next Monday at 3 p.m.", "the end of the month", "December 31",
    "last February 29 and the following month", "2011-12 and Q3 of last year"]))
def test_any_reference_date_is_safe(dct: date, text: str) -> None:
    _check_contract(text, tag(text, dct))


@pytest.mark.parametrize(
    "text",
    [
        "x" * 1_000_000,
        "7" * 100_000,
        "May" * 200_000,
        "🎉 emoji 2025 " * 20_000,
        "1998-" * 50_000,
    ],
    ids=["1MB-no-spaces", "100k-digits", "MayMayMay", "emoji", "dash-years"],
)
def test_huge_inputs_return_in_bounded_time(text: str) -> None:
    t0 = time.perf_counter()
    result = tag(text, DCT)
    assert time.perf_counter() - t0 < 10
    _check_contract(text, result)


# ---------------------------------------------------------------- regression guard on real news

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


@pytest.mark.shared
def test_tempeval3_training_scores_do_not_regress() -> None:
    corpus, scorer_path = SHARED / "data" / "tempeval3-train", SHARED / "tools" / "te3score.py"
    if not corpus.is_dir() or not scorer_path.is_file():
        pytest.skip("../shared/data/tempeval3-train is absent")
    sys.path.insert(0, str(scorer_path.parent))
    spec = importlib.util.spec_from_file_location("te3score", scorer_path)
    assert spec is not None and spec.loader is not None
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    docs = [scorer.parse_tml(f) for f in scorer.tml_files([str(corpus)])]
    system = {
        d["id"]: [{"start": t.start, "end": t.end, "type": t.type, "value": t.value}
                  for t in tag(d["text"], date.fromisoformat(d["dct"]))]
        for d in docs
    }
    res = scorer.score(docs, system)
    assert res["strict"]["F1"] >= 0.86
    assert res["relaxed"]["F1"] >= 0.92
    assert res["value"]["F1"] >= 0.79
