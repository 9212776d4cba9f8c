"""Articles: a paged, sortable table of the selection; choosing a row opens the reader with the full text,
the evidence behind every tag, and the other articles of the same story."""

from __future__ import annotations

import streamlit as st

from monitor import dashboard as ui
from monitor import queries, reader, store

view = ui.page_view()
st.title("Articles")
st.caption(ui.describe(view))

total = ui.cached(queries.count_articles, view.filters)
if not total:
    ui.empty_state(view)
    st.stop()

controls = st.columns([2, 1, 1, 2])
sort_label = controls[0].selectbox("Sort by", list(ui.ARTICLE_SORTS), key="articles_sort")
page_size = controls[1].selectbox("Per page", [25, 50, 100], index=1, key="articles_page_size")
pages = max(1, -(-total // page_size))
if st.session_state.get("articles_page", 1) > pages:  # the filters changed under a later page
    st.session_state["articles_page"] = pages
page = controls[2].number_input("Page", min_value=1, max_value=pages, step=1, key="articles_page")
controls[3].markdown(f"**{total:,}** articles · page {page:,} of {pages:,}")

sort, descending = ui.ARTICLE_SORTS[sort_label]
rows = ui.cached(queries.article_page, view.filters, sort=sort, descending=descending, page=page, page_size=page_size)
table = ui.article_table(rows)
picked = st.dataframe(
    table, hide_index=True, key="articles_table", on_select="rerun", selection_mode="single-row",
    column_config=ui.ARTICLE_COLUMNS, column_order=list(ui.ARTICLE_COLUMNS), height=min(38 + 35 * len(table), 560),
)  # fmt: skip
chosen_rows = picked.selection.rows if picked else []
article_id = table[chosen_rows[0]]["id"] if chosen_rows else st.query_params.get("article")
if not article_id:
    st.caption("Select a row to read the article and see why each tag was given.")
    st.stop()

article = ui.cached(queries.article_detail, int(article_id))
if article is None:
    st.warning(f"There is no article with id {article_id}.")
    st.stop()
if str(st.query_params.get("article")) != str(article["id"]):
    st.query_params["article"] = str(article["id"])  # the reader can be bookmarked too

st.divider()
st.subheader(reader.escape_markdown(article["title"]))
meta = [article["source"], f"published {ui.local_time(article['published_at'])}"]
if article["date_inferred"]:
    meta[-1] += " (no date in the source: time of fetching)"
if article["author"]:
    meta.append(f"by {article['author']}")
meta.append(f"language {ui.label('language', article['language']) if article['language'] else 'unknown'}")
meta.append(f"id {article['id']}")
st.caption(reader.escape_markdown(" · ".join(meta)))
if link := reader.safe_link(article["url"]):
    st.link_button("Open the original", link)

text_column, evidence_column = st.columns([3, 2])
with text_column:
    terms = reader.query_terms(view.filters.query)
    hits = 0
    for paragraph in reader.paragraphs(article["body"] or article["summary"] or ""):
        shown, found = reader.highlighted(paragraph, terms)
        hits += found
        st.markdown(shown)
    if not (article["body"] or article["summary"]):
        st.caption("The source gave no text for this article, only its title.")
    if terms:
        st.caption(f"{hits} highlighted matches of: {', '.join(terms)}")
with evidence_column:
    ui.evidence_panel(article)
    evidence = article["evidence"] or {}
    if evidence.get("topics") or evidence.get("topics_rejected"):
        st.markdown("**Your verdict on each topic**")
        st.caption("Right or wrong? A verdict wins over the rules and the classifier and trains the next classifier.")
        verdict = None
        for tag in evidence.get("topics", []) + evidence.get("topics_rejected", []):
            rejected = tag.get("verdict") == "rejected"
            row = st.columns([5, 1, 1], vertical_alignment="center")
            label = reader.escape_markdown(tag["label"])
            name = f"~~{label}~~" if rejected else f"**{label}**"
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
            with ui.connect(view.db_path) as db:
                store.set_topic_verdict(db, article["id"], *verdict)
            st.rerun()
    story = article["story"]
    st.markdown(f"**Same story** ({len(story) + 1} articles)" if story else "**Same story**")
    if story:
        st.dataframe(ui.story_table(story), hide_index=True, key="articles_story")
    else:
        st.caption("No other article was matched to this story.")
