from rest_framework import serializers

from customers.models import Customer, Membership


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "email",
            "gender",
            "date_of_birth",
            "phone",
            "address",
            "region",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"code": {"required": False, "help_text": "External id; generated when omitted."}}


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "customer", "number", "tier", "start_date", "end_date", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"number": {"required": False, "help_text": "Membership number; generated when omitted."}}

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": ["Must be on or after start_date."]})
        return attrs
