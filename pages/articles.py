"""Articles: a paged, sortable table of the selection; choosing a row opens the reader with the full text,
the evidence behind every tag, and the other articles of the same story."""

from __future__ import annotations

import streamlit as st

from monitor import dashboard as ui
from monitor import labels, queries, reader, store
from monitor.reader import escape_markdown

ARTICLE_SORTS = {  # label -> (queries.article_page sort, descending)
    "Newest first": ("published_at", True),
    "Oldest first": ("published_at", False),
    "Source (A–Z)": ("source", False),
    "Most negative": ("sentiment", False),
    "Most positive": ("sentiment", True),
    "Title (A–Z)": ("title", False),
}
ARTICLE_COLUMNS = {
    "published": st.column_config.TextColumn("Published", help="In your time zone"),
    "source": st.column_config.TextColumn("Source", width=170),
    "title": st.column_config.TextColumn("Title", width="large"),
    "sentiment": st.column_config.NumberColumn(
        "Tone", format="%+.2f", help="VADER compound, −1 to 1; English only", width="small"
    ),
    "countries": st.column_config.TextColumn("About", help="Countries the article is about, the main one first"),
    "topics": st.column_config.TextColumn("Topics", help="Strongest first", width=280),
}


def article_table(rows: list[dict]) -> list[dict]:
    return [
        {
            "id": row["id"],
            "published": ui.local_time(row["published_at"]),
            "source": row["source"],
            "title": row["title"],
            "countries": ", ".join((row["countries"] or "").split(";")) if row["countries"] else "",
            "topics": ", ".join(labels.topic_label(slug) for slug in row["topics"].split(";")) if row["topics"] else "",
            # to the shown precision, and + 0.0 turns -0.0 into 0.0: a tone of -0.001 shows as +0.00, not -0.00
            "sentiment": None if row["sentiment"] is None else round(row["sentiment"], 2) + 0.0,
        }
        for row in rows
    ]


def story_table(story: list[dict]) -> list[dict]:
    return [
        {
            "published": ui.local_time(row["published_at"]),
            "source": row["source"],
            "title": row["title"],
            "id": row["id"],
        }
        for row in story
    ]


EVIDENCE_COLUMNS = {  # the scores narrow, so that the matched words and sentences show whole
    "score": st.column_config.NumberColumn("Score", format="%.2f", width=60),
    "mentions": st.column_config.NumberColumn("Mentions", width=70),
    "in title": st.column_config.CheckboxColumn("In title", width=60),
    "matched": st.column_config.TextColumn("Matched", width="large"),
    "main-country evidence": st.column_config.TextColumn("Main-country evidence", width="medium"),
    "matched terms": st.column_config.TextColumn("Matched terms", width="large"),
    "sentence": st.column_config.TextColumn("Sentence", width="large"),
}


def _country_rows(tags: list[dict]) -> list[dict]:
    return [
        {
            "country": labels.label("country", tag["code"]),
            "score": tag["score"],
            "mentions": tag["mentions"],
            "in title": tag["in_title"],
            "matched": ", ".join(tag["matched"]),
            # where the article places its event, the first party of talks or the actor of a measure (what chose the
            # main country), or that it is only a venue
            "main-country evidence": ", ".join(tag.get("located", [])),
        }
        for tag in tags
    ]


def evidence_panel(article: dict) -> None:
    """Why each tag was given: the matched words and scores stored with the article's analysis."""
    evidence = article["evidence"]
    if evidence is None:
        st.info("Not analysed yet: run `newsmon analyse`.")
        return
    language = evidence["language"]
    st.markdown(
        f"**Language:** {escape_markdown(str(language['value'] or 'unknown'))} — {escape_markdown(language['method'])}"
    )
    st.markdown("**Countries (about)**")
    if evidence["countries"]:
        st.dataframe(
            _country_rows(evidence["countries"]), hide_index=True, key="evidence_countries",
            column_config=EVIDENCE_COLUMNS,
        )  # fmt: skip
    else:
        st.caption("No country scored above the threshold.")
    about = {tag["code"] for tag in evidence["countries"]}
    passing = [tag for tag in evidence.get("countries_mentioned", []) if tag["code"] not in about]
    if passing:
        st.markdown("**Countries only mentioned** (below the threshold, or the venue of talks or a match)")
        st.dataframe(
            _country_rows(passing), hide_index=True, key="evidence_countries_mentioned", column_config=EVIDENCE_COLUMNS
        )
    st.markdown("**Topics**")
    if evidence["topics"]:
        st.dataframe(
            [
                {
                    "topic": tag["label"],
                    "given by": reader.topic_layer(tag),
                    "score": tag["score"],
                    "matched terms": ", ".join(tag["matched"]),
                }
                for tag in evidence["topics"]
            ],
            hide_index=True,
            key="evidence_topics",
            column_config=EVIDENCE_COLUMNS,
        )
    else:
        st.caption("No topic scored above its threshold.")
    tone = evidence["sentiment"]
    value = "not scored" if tone["compound"] is None else f"{tone['compound']:+.3f} ({tone['label']})"
    st.markdown(f"**Sentiment:** {escape_markdown(value)} — {escape_markdown(tone['reason'])}")
    if tone["strongest"]:
        st.dataframe(
            [{"score": score, "sentence": text} for text, score in tone["strongest"]],
            hide_index=True,
            key="evidence_sentences",
            column_config=EVIDENCE_COLUMNS,
        )
    if tone["news_terms"]:
        st.caption("News lexicon and tone rules: " + escape_markdown(", ".join(tone["news_terms"])))
    st.markdown("**Keywords:** " + escape_markdown(", ".join(phrase for phrase, _ in evidence["keywords"]) or "none"))


def topic_verdicts(article: dict, db_path: str) -> None:
    """A confirm and a reject button per topic tag (an undo for a verdict given): verdicts win over the rules and the
    classifier, change the counts at once and train the next classifier."""
    evidence = article["evidence"] or {}
    tags = evidence.get("topics", []) + evidence.get("topics_rejected", [])
    if not tags:
        return
    st.markdown("**Your verdict on each topic**")
    st.caption("Right or wrong? A verdict wins over the rules and the classifier and trains the next classifier.")
    verdict = None
    for tag in tags:
        row = st.columns([5, 1, 1], vertical_alignment="center")
        label = reader.escape_markdown(tag["label"])
        name = f"~~{label}~~" if tag.get("verdict") == "rejected" else f"**{label}**"
        row[0].markdown(f"{name} — {reader.escape_markdown(reader.topic_layer(tag))}")
        key = f"verdict_{article['id']}_{tag['slug']}"
        if tag.get("verdict"):
            if row[1].button("Undo", key=f"{key}_undo", help="Take your verdict back"):
                verdict = (tag["slug"], None)
        else:
            if row[1].button("✓", key=f"{key}_confirm", help="Right: keep this topic"):
                verdict = (tag["slug"], "confirmed")
            if row[2].button("✗", key=f"{key}_reject", help="Wrong: remove this topic"):
                verdict = (tag["slug"], "rejected")
    if verdict:
        with ui.connect(db_path) as db:
            store.set_topic_verdict(db, article["id"], *verdict)
        st.rerun()


view = ui.page_view("Articles")
st.caption(ui.describe(view))

total = ui.cached(queries.count_articles, view.filters)
if not total:
    ui.empty_state(view)
    st.stop()

reader_box = st.container()  # the reader opens above the table, where it is seen without scrolling
controls = st.columns([2, 1, 1, 2])
sort_label = controls[0].selectbox("Sort by", list(ARTICLE_SORTS), key="articles_sort", bind="query-params")
page_size = controls[1].selectbox("Per page", [25, 50, 100], index=1, key="articles_page_size", bind="query-params")
pages = max(1, -(-total // page_size))
if st.session_state.get("articles_page", 1) > pages:  # the filters changed under a later page
    st.session_state["articles_page"] = pages
page = controls[2].number_input("Page", min_value=1, max_value=pages, step=1, key="articles_page", bind="query-params")
controls[3].markdown(f"**{total:,}** articles · page {page:,} of {pages:,}")

sort, descending = ARTICLE_SORTS[sort_label]
rows = ui.cached(queries.article_page, view.filters, sort=sort, descending=descending, page=page, page_size=page_size)
table = article_table(rows)
picked = st.dataframe(
    table, hide_index=True, key="articles_table", on_select="rerun", selection_mode="single-row",
    column_config=ARTICLE_COLUMNS, column_order=list(ARTICLE_COLUMNS), height=min(38 + 35 * len(table), 560),
)  # fmt: skip
chosen_rows = picked.selection.rows if picked else []
if chosen_rows and st.session_state.get("articles_picked") != table[chosen_rows[0]]["id"]:
    # A row picked now opens; otherwise the link's article (which a "same story" row or a drill-down set) stays.
    st.session_state["articles_picked"] = table[chosen_rows[0]]["id"]
    st.query_params["article"] = str(table[chosen_rows[0]]["id"])
linked = st.query_params.get("article")
article_id = reader.article_id(linked)
if not article_id:
    if linked:
        st.warning(f"The link's article={reader.escape_markdown(linked)} is not an article id (a number like 42).")
    st.caption("Select a row to read the article and see why each tag was given.")
    st.stop()


def open_same_story(story: list[dict]) -> None:
    if (row := ui.picked_point("articles_story")) is not None:
        st.query_params["article"] = str(story[row]["id"])


with reader_box:
    article = ui.cached(queries.article_detail, article_id)
    if article is None:
        st.warning(f"There is no article with id {article_id}.")
        st.stop()
    terms = reader.query_terms(view.filters.query)
    title, title_hits = reader.highlighted(article["title"] or "", terms)
    st.subheader(title)
    meta = [article["source"], f"published {ui.local_time(article['published_at'])}"]
    if article["date_inferred"]:
        meta[-1] += " (no date in the source: time of fetching)"
    if article["author"]:
        meta.append(f"by {article['author']}")
    meta.append(f"language {labels.label('language', article['language']) if article['language'] else 'unknown'}")
    meta.append(f"id {article['id']}")
    st.caption(reader.escape_markdown(" · ".join(meta)))
    if link := reader.safe_link(article["url"]):
        st.link_button("Open the original", link)

    text_column, evidence_column = st.columns([3, 2])
    with text_column:
        hits = title_hits
        for paragraph in reader.paragraphs(article["body"] or article["summary"] or ""):
            shown, found = reader.highlighted(paragraph, terms)
            hits += found
            st.markdown(shown)
        if not (article["body"] or article["summary"]):
            st.caption("The source gave no text for this article, only its title.")
        if terms:
            st.caption(f"{hits} highlighted matches of: {reader.escape_markdown(', '.join(terms))}")
    with evidence_column:
        evidence_panel(article)
        topic_verdicts(article, view.db_path)
        story = article["story"]
        st.markdown(f"**Same story** ({len(story) + 1} articles)" if story else "**Same story**")
        if story:
            st.dataframe(
                story_table(story), hide_index=True, key="articles_story", on_select=lambda: open_same_story(story),
                selection_mode="single-row", column_order=["published", "source", "title"],
            )  # fmt: skip
            st.caption("Pick a row to read that article.")
        else:
            st.caption("No other article was matched to this story.")
    st.divider()
