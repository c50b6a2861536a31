"""Forms for logging in, accepting an invitation and managing users."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from tracker.accounts.models import ROLE_LABELS, Role

REQUIRED = "Fältet måste fyllas i."


class LoginForm(FlaskForm):
    email = EmailField("E-post", validators=[DataRequired(REQUIRED), Length(max=320)])
    password = PasswordField("Lösenord", validators=[DataRequired(REQUIRED), Length(max=200)])


class SetPasswordForm(FlaskForm):
    password = PasswordField("Nytt lösenord", validators=[
        DataRequired(REQUIRED), Length(min=10, max=200, message="Lösenordet ska ha 10–200 tecken.")])
    confirm = PasswordField("Upprepa lösenordet", validators=[
        DataRequired(REQUIRED), EqualTo("password", message="Lösenorden är inte lika.")])


def _role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class UserForm(FlaskForm):
    name = StringField("Namn", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("E-post", validators=[
        DataRequired(REQUIRED), Length(max=320), Email(message="Ange en giltig e-postadress.")])
    role = SelectField("Roll", choices=_role_choices(), validators=[DataRequired(REQUIRED)])
    organisations = SelectMultipleField("Organisationer (kontaktperson)", coerce=int)
    active = BooleanField("Aktivt konto", default=True)

    def validate_organisations(self, field):
        if self.role.data == Role.contact and not field.data:
            raise ValidationError("En kontaktperson måste kopplas till minst en organisation.")
        if self.role.data != Role.contact and field.data:
            raise ValidationError("Bara kontaktpersoner kopplas till organisationer.")
