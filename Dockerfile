FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini* ./
COPY bot ./bot
COPY questions ./questions
COPY migrations ./migrations
# editable, so bot/ resolves here beside questions/ and migrations/
RUN pip install --no-cache-dir -e .
ENV PYTHONUNBUFFERED=1
ENTRYPOINT ["studybot"]
CMD ["run"]
